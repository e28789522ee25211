/**
 * Hosts a run's plugin instances: hands each its context, dispatches hook
 * events in dependency order, isolates failures (a plugin that throws is
 * recorded with the run and stops receiving events; the others go on), and
 * buffers emitted records until the engine flushes them to the store.
 *
 * @module
 */
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

interface Slot {
  id: string;
  instance: PluginInstance;
  failed: boolean;
  seconds: number;
  records: ResultRecord[];
}

/** Sets up every resolved plugin for one run. */
export async function createPluginHost(opts: {
  runId: string;
  store: Store;
  resolved: ResolvedPlugin[];
  log: (message: string) => void;
}): Promise<PluginHost> {
  const { runId, store, log } = opts;
  const artifacts = new Map<string, unknown>();
  const slots: Slot[] = [];
  const errors: { plugin: string; message: string }[] = [];
  let pending: ResultRecord[] = [];

  const fail = (slot: Slot, e: unknown) => {
    slot.failed = true;
    const message = errorMessage(e);
    errors.push({ plugin: slot.id, message });
    store.recordPluginError(runId, slot.id, message);
    log(`plugin ${slot.id} failed: ${message} (its results so far are kept; the others go on)`);
  };

  for (const { plugin, options } of opts.resolved) {
    const slot: Slot = { id: plugin.id, instance: {}, failed: false, seconds: 0, records: [] };
    const ctx: PluginContext = {
      runId,
      artifacts,
      log: (m) => log(`[${plugin.id}] ${m}`),
      emit(records: ResultInput[]) {
        for (const r of records) {
          const rec: ResultRecord = {
            plugin: plugin.id,
            layer: r.layer,
            epoch: r.epoch,
            seed: r.seed,
            index: r.index ?? 0,
            metric: r.metric,
            value: r.value,
          };
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
    try {
      slot.instance = await plugin.setup(ctx, options);
    } catch (e) {
      fail(slot, e);
    }
    slot.seconds += (performance.now() - t) / 1000;
  }

  return {
    consumes: (name) => slots.some((s) => !s.failed && typeof s.instance[name] === "function"),
    async dispatch(name, event) {
      for (const slot of slots) {
        const handler = slot.instance[name] as
          | ((e: typeof event) => void | Promise<void>)
          | undefined;
        if (slot.failed || !handler) continue;
        const t = performance.now();
        try {
          await handler(event);
        } catch (e) {
          fail(slot, e);
        }
        slot.seconds += (performance.now() - t) / 1000;
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
