/**
 * Hosts a run's plugin instances: hands each its context, dispatches hook
 * events in dependency order, isolates failures, and buffers emitted
 * records until the engine flushes them to the store.
 *
 * A plugin fails, is recorded with the run and stops receiving events (the
 * others go on, and the records it emitted before stay) when its setup or
 * a handler throws, when it emits a record that is not a valid result
 * record (that batch is dropped), or when a handler has not settled after
 * `timeoutS` seconds (it is no longer awaited; anything it emits later is
 * dropped). When the run's `signal` aborts, dispatch stops waiting for the
 * handler in progress and sends no more events, so a stop request never
 * waits on a plugin. A `strict` host (a source whose plugins are the whole
 * analysis, as `lens features`) records the failure the same way and then
 * rethrows it from `dispatch`, so the run fails.
 *
 * @module
 */
import { createArtifacts } from "./artifacts.ts";
import { recordProblem } from "./check_record.ts";
import { errorMessage } from "./errors.ts";
import type { ResolvedPlugin } from "./registry.ts";
import type {
  HookEventMap,
  HookName,
  PluginContext,
  PluginInstance,
  ResultInput,
  ResultRecord,
  Store,
} from "./types.ts";

/** Where a host writes what its plugins emit and how they failed (a {@link Store} does). */
export type RecordSink = Pick<Store, "appendResults" | "recordPluginError">;

/** What the engine does with a run's plugins. */
export interface PluginHost {
  /** Whether any live plugin handles this event (lets the engine skip work). */
  consumes(name: HookName): boolean;
  /** Sends an event to every live plugin that handles it, in dependency order. */
  dispatch<K extends HookName>(name: K, event: HookEventMap[K]): Promise<void>;
  /** Writes buffered records to the store in one transaction. */
  flush(): void;
  /** Seconds spent in each plugin, keyed `plugin:<id>_s`. */
  timings(): Record<string, number>;
  /** Errors recorded so far. */
  errors(): { plugin: string; message: string }[];
}

/** The error recorded for a handler that threw or timed out. */
function outcomeError(o: Outcome, what: string, timeoutS: number): unknown {
  if (o.kind === "error") return o.error;
  return new Error(
    `its ${what} handler did not finish within ${timeoutS} s (plugin_timeout_s); ` +
      "it is no longer awaited",
  );
}

interface Slot {
  id: string;
  instance: PluginInstance;
  failed: boolean;
  seconds: number;
  records: ResultRecord[];
}

/** Seconds a plugin's setup or handler may take before the plugin fails, unless configured. */
export const DEFAULT_PLUGIN_TIMEOUT_S = 3600;

/** How a handler ended: settled (`ok` / `error`), timed out, or abandoned on a stop request. */
type Outcome =
  | { kind: "ok" }
  | { kind: "error"; error: unknown }
  | { kind: "timeout" }
  | { kind: "aborted" };

/**
 * Awaits `work` for at most `timeoutS` seconds or until `signal` aborts.
 * A late rejection of `work` is observed (never unhandled).
 */
async function bounded(
  work: () => unknown,
  timeoutS: number,
  signal?: AbortSignal,
): Promise<Outcome> {
  let result: unknown;
  try {
    result = work();
  } catch (error) {
    return { kind: "error", error };
  }
  // a synchronous handler is done: no timer for it
  if (typeof (result as PromiseLike<unknown> | undefined)?.then !== "function") {
    return { kind: "ok" };
  }
  const settled = Promise.resolve(result).then(
    (): Outcome => ({ kind: "ok" }),
    (error): Outcome => ({ kind: "error", error }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const limits = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timeout" }), timeoutS * 1000);
    if (signal) {
      onAbort = () => resolve({ kind: "aborted" });
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([settled, limits]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

/** Sets up every resolved plugin for one run. */
export async function createPluginHost(opts: {
  runId: string;
  store: RecordSink;
  resolved: ResolvedPlugin[];
  log: (message: string) => void;
  /** Seconds a setup or handler may take (default {@link DEFAULT_PLUGIN_TIMEOUT_S}). */
  timeoutS?: number;
  /** Aborted when the run is asked to stop. */
  signal?: AbortSignal;
  /** A failing plugin fails the run: its error is rethrown from setup or `dispatch`. */
  strict?: boolean;
}): Promise<PluginHost> {
  const { runId, store, log, signal } = opts;
  const timeoutS = opts.timeoutS ?? DEFAULT_PLUGIN_TIMEOUT_S;
  const artifacts = createArtifacts();
  const slots: Slot[] = [];
  const errors: { plugin: string; message: string }[] = [];
  let pending: ResultRecord[] = [];

  const fail = (slot: Slot, e: unknown) => {
    if (slot.failed) return;
    slot.failed = true;
    const message = errorMessage(e);
    errors.push({ plugin: slot.id, message });
    store.recordPluginError(runId, slot.id, message);
    // strict: the error is rethrown and fails the run; the caller reports it
    if (!opts.strict) {
      log(`plugin ${slot.id} failed: ${message} (its results so far are kept; the others go on)`);
    }
  };

  for (const { plugin, options } of opts.resolved) {
    const slot: Slot = { id: plugin.id, instance: {}, failed: false, seconds: 0, records: [] };
    const ctx: PluginContext = {
      runId,
      artifacts,
      log: (m) => log(`[${plugin.id}] ${m}`),
      emit(records: ResultInput[]) {
        if (slot.failed) return;
        if (!Array.isArray(records)) {
          fail(slot, new Error(`emit() takes an array of records, got ${typeof records}`));
          return;
        }
        const batch: ResultRecord[] = new Array(records.length);
        for (let i = 0; i < records.length; i++) {
          const r = records[i] ?? ({} as ResultInput);
          const rec: ResultRecord = {
            plugin: plugin.id,
            layer: r.layer,
            epoch: r.epoch,
            seed: r.seed,
            index: r.index ?? 0,
            metric: r.metric,
            value: r.value,
          };
          const problem = recordProblem(rec);
          if (problem) {
            fail(slot, new Error(`emitted a bad record (${problem}); that batch was dropped`));
            return;
          }
          batch[i] = rec;
        }
        for (const rec of batch) {
          slot.records.push(rec);
          pending.push(rec);
        }
      },
      results(id: string): ResultRecord[] {
        return slots.find((s) => s.id === id)?.records ?? [];
      },
    };
    slots.push(slot);
    const t = performance.now();
    let instance: PluginInstance | undefined;
    const outcome = await bounded(
      async () => {
        instance = await plugin.setup(ctx, options);
      },
      timeoutS,
      signal,
    );
    slot.seconds += (performance.now() - t) / 1000;
    if (outcome.kind === "ok") slot.instance = instance ?? {};
    else if (outcome.kind === "aborted") slot.failed = true; // stopping: it gets no events
    else {
      const error = outcomeError(outcome, "setup", timeoutS);
      fail(slot, error);
      if (opts.strict) throw error;
    }
  }

  return {
    consumes: (name) => slots.some((s) => !s.failed && typeof s.instance[name] === "function"),
    async dispatch(name, event) {
      for (const slot of slots) {
        if (signal?.aborted) return;
        const handler = slot.instance[name] as
          | ((e: typeof event) => void | Promise<void>)
          | undefined;
        if (slot.failed || typeof handler !== "function") continue;
        const t = performance.now();
        const outcome = await bounded(() => handler.call(slot.instance, event), timeoutS, signal);
        slot.seconds += (performance.now() - t) / 1000;
        if (outcome.kind === "aborted") return;
        if (outcome.kind !== "ok") {
          const error = outcomeError(outcome, name, timeoutS);
          fail(slot, error);
          if (opts.strict) throw error;
        }
      }
    },
    flush() {
      if (!pending.length) return;
      const batch = pending;
      pending = [];
      store.appendResults(runId, batch);
    },
    timings: () => Object.fromEntries(slots.map((s) => [`plugin:${s.id}_s`, s.seconds])),
    errors: () => [...errors],
  };
}
