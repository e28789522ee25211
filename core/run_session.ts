/**
 * The one place a run is opened, fed and closed: {@link hostRun} writes
 * the run's row (config and provenance), sets up its plugin host, lets a
 * source feed the host events, then writes how the run ended — completed
 * (with the seed aggregates), interrupted (what the plugins emitted so far
 * is kept) or failed (the error is stored and rethrown) — with the timings.
 * Every source goes through it: training (engine.ts), activations brought
 * from elsewhere (analyze_activations.ts) and features brought from
 * elsewhere or read from a stored run (analyze_features.ts).
 *
 * @module
 */
import { aggregateSeeds } from "./aggregate.ts";
import { errorMessage } from "./errors.ts";
import { createPluginHost, type PluginHost } from "./plugin_host.ts";
import type { ResolvedPlugin } from "./registry.ts";
import type { RunRow, RunStatus, Store } from "./types.ts";
import { LAYERLENS_VERSION } from "./version.ts";

/** How a run ended. */
export interface RunOutcome {
  /** Id of the stored run. */
  runId: string;
  /** How the run ended: `completed` or `interrupted` (a failure throws instead). */
  status: RunStatus;
  /** Durations in seconds (`total_s`, `plugin:<id>_s`, and what the source measured). */
  timings: Record<string, number>;
  /** Errors raised by plugins, which did not stop the run. */
  pluginErrors: { plugin: string; message: string }[];
}

/** What a run's row records when it is opened. */
export type RunOpening = Pick<RunRow, "name" | "config" | "seeds" | "backend" | "engine"> & {
  /** Id for the new run (e.g. chosen by the server); a fresh one otherwise. */
  id?: string;
  /** Versions recorded beside layerlens's and Deno's (e.g. tfjs's). */
  versions?: Record<string, string>;
};

/** What a source gets to feed a run. */
export interface RunFeed {
  /** Id of the run being fed. */
  runId: string;
  /** The run's plugin host: dispatch events to it, flush what they emitted. */
  host: PluginHost;
  /** Durations the source measured (seconds), stored with the run's own. */
  timings: Record<string, number>;
}

/** Options of {@link hostRun}. */
export interface HostRunOptions {
  /** Where the run and its records are stored. */
  store: Store;
  /** The run's row. */
  open: RunOpening;
  /** Plugins of the run, resolved (registry.resolve). */
  resolved: ResolvedPlugin[];
  /** Lines for the user. */
  log: (message: string) => void;
  /** Seconds a plugin's setup or handler may take (default: one hour). */
  pluginTimeoutS?: number;
  /** Aborted when the run is asked to stop. */
  signal?: AbortSignal;
  /** When the run started, as `performance.now()` (default: now); `total_s` counts from it. */
  t0?: number;
  /** A failing plugin fails the run (the host's `strict`), instead of being set aside. */
  strictPlugins?: boolean;
  /**
   * Closes the run interrupted the moment `signal` aborts, instead of when
   * the source returns, and hands over the outcome (a caller may end the
   * process there): for sources whose plugins may hold the thread long
   * after a stop request.
   */
  onStop?: (outcome: RunOutcome) => void;
}

/** The versions stored with a run: layerlens's, Deno's and `extra` (e.g. tfjs's). */
export function runVersions(extra: Record<string, string> = {}): Record<string, string> {
  return { layerlens: LAYERLENS_VERSION, deno: Deno.version.deno, ...extra };
}

/**
 * Opens a run, feeds it through `feed`, and closes it. `feed` dispatches
 * the source's events to the host and says how the source ended
 * (`completed`, or `interrupted` when it stopped on the signal). Then what
 * the plugins emitted is flushed, a completed run gets its seed aggregates
 * (core/aggregate.ts), and the run's row gets its status and timings. When
 * `feed` throws, the run is marked failed with the error's message (what
 * was emitted before is kept) and the error is rethrown.
 *
 * @example
 * ```ts
 * const outcome = await hostRun(
 *   { store, open: { name: "x", config: {}, seeds: [0], backend: "none", engine: "analyze" },
 *     resolved: registry.resolve([{ id: "mi-binned", options: {} }]), log: console.error },
 *   async ({ host }) => {
 *     await host.dispatch("activations", event);
 *     return "completed";
 *   },
 * );
 * ```
 */
export async function hostRun(
  opts: HostRunOptions,
  feed: (run: RunFeed) => Promise<"completed" | "interrupted">,
): Promise<RunOutcome> {
  const { store, open, signal } = opts;
  const t0 = opts.t0 ?? performance.now();
  const runId = store.createRun({ ...open, versions: runVersions(open.versions) });
  const timings: Record<string, number> = {};
  let host: PluginHost | undefined;
  let closed: RunOutcome | undefined;
  /** Writes how the run ended (once): what was emitted, the status, the timings. */
  const close = (status: "completed" | "interrupted"): RunOutcome => {
    if (closed) return closed;
    host!.flush();
    Object.assign(timings, host!.timings());
    timings.total_s = (performance.now() - t0) / 1000;
    if (status === "completed") completeRun(store, runId, timings);
    else store.finishRun(runId, status, timings);
    return closed = { runId, status, timings, pluginErrors: host!.errors() };
  };
  const onStop = () => opts.onStop?.(close("interrupted"));
  try {
    host = await createPluginHost({
      runId,
      store,
      resolved: opts.resolved,
      log: opts.log,
      timeoutS: opts.pluginTimeoutS,
      signal,
      strict: opts.strictPlugins,
    });
    if (opts.onStop) signal?.addEventListener("abort", onStop, { once: true });
    return close(await feed({ runId, host, timings }));
  } catch (e) {
    if (closed) throw e; // stopped already: it stays interrupted
    host?.flush();
    timings.total_s = (performance.now() - t0) / 1000;
    store.finishRun(runId, "failed", timings, errorMessage(e));
    throw e;
  } finally {
    signal?.removeEventListener("abort", onStop);
  }
}

/**
 * Closes run `runId` completed: stores its seed aggregates (core/aggregate.ts:
 * mean, sd and quartiles of every point two or more seeds measured), then its
 * status and `timings`. Returns the number of aggregate records written.
 */
export function completeRun(store: Store, runId: string, timings: Record<string, number>): number {
  const aggregates = aggregateSeeds(store.queryResults(runId));
  if (aggregates.length) store.appendResults(runId, aggregates);
  store.finishRun(runId, "completed", timings);
  return aggregates.length;
}

/**
 * Writes the end of a run whose process did not record it (creating its
 * row when the process never did); a row already finished is left alone.
 * What the server does when a run's child process dies.
 */
export function recordRunEnd(
  store: Store,
  runId: string,
  name: string,
  status: "failed" | "interrupted",
  message: string,
): void {
  const row = store.getRun(runId);
  if (!row) {
    store.createRun({
      id: runId,
      name,
      config: {},
      seeds: [],
      backend: "",
      engine: "",
      versions: {},
    });
  } else if (row.status !== "running") {
    return;
  }
  store.finishRun(runId, status, {}, message);
}
