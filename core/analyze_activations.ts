/**
 * Analysis of activations exported from any framework: each snapshot
 * becomes an `activations` event of seed 0 for the plugins, and what they
 * emit goes to the store as a run. Kept apart from the engine's training
 * loop (engine.ts re-exports it) so that `lens analyze` loads neither tfjs
 * nor the trainers.
 *
 * @module
 */
import { LensError } from "./errors.ts";
import { hostRun, type RunOutcome } from "./run_session.ts";
import type { Registry } from "./registry.ts";
import type { ActivationCache, LayerInfo, PluginUse, RunConfig, Store } from "./types.ts";

/** One layer of a {@link SnapshotSource}: its hook point and shape, the same in every snapshot. */
export interface SnapshotLayer {
  /** Hook-point name (the array's name in the file). */
  name: string;
  /** Rows (samples). */
  rows: number;
  /** Columns (units). */
  cols: number;
}

/**
 * Snapshots read one at a time (e.g. from a file larger than memory). The
 * cache `load` returns may reuse the previous call's arrays, so it is
 * valid until the next call: plugins copy what they keep past their
 * handler (the rule of every `activations` event).
 */
export interface SnapshotSource {
  /** Epoch of each snapshot, in order. */
  epochs: readonly number[];
  /** The layers, in order (the last is the output). */
  layers: readonly SnapshotLayer[];
  /** Activations of snapshot `index` (0-based). */
  load(index: number): ActivationCache;
}

/** Options of {@link analyzeActivations}. */
export interface AnalyzeOptions {
  /** Name of the run to store. */
  name: string;
  /** One activation cache per snapshot, in epoch order, or a source that reads them one at a time. */
  snapshots: { epoch: number; cache: ActivationCache }[] | SnapshotSource;
  /** Class label of each activation row (every snapshot has one row per label). */
  labels: Int32Array;
  /** Number of classes. */
  numClasses: number;
  /** Plugins to run (those needing training events are skipped). */
  plugins: PluginUse[];
  /** Where the run and its records are stored. */
  store: Store;
  /** Registry that resolves the plugins. */
  registry: Registry;
  /** Where the activations came from (files), recorded as the run's config. */
  source: Record<string, unknown>;
  /** Lines for the user. */
  log?: (message: string) => void;
  /** Seconds a plugin's setup or handler may take (default: one hour). */
  pluginTimeoutS?: number;
}

/** Events an analysis of stored activations can offer. */
const ANALYZE_EVENTS = new Set(["run_start", "activations", "run_end"]);

/**
 * Runs the plugins over activations exported from any framework (no
 * training): each snapshot becomes an `activations` event of seed 0.
 * Plugins that need training events (e.g. `grad-snr`) are skipped with a
 * note, and so are plugins that require a skipped one.
 */
export async function analyzeActivations(opts: AnalyzeOptions): Promise<RunOutcome> {
  const log = opts.log ?? (() => {});
  const resolvedAll = opts.registry.resolve(opts.plugins, { field: "plugins" });
  const skipped = new Set<string>();
  const resolved = resolvedAll.filter(({ plugin }) => {
    const usable = plugin.consumes.some((h) => ANALYZE_EVENTS.has(h)) &&
      !(plugin.requires ?? []).some((r) => skipped.has(r));
    if (!usable) {
      skipped.add(plugin.id);
      log(`skipping ${plugin.id}: it needs training events (${plugin.consumes.join(", ")})`);
    }
    return usable;
  });
  const source = asSource(opts.snapshots);
  if (!source.epochs.length || !source.layers.length) {
    throw new LensError("no activation snapshots to analyze", { code: "data" });
  }
  for (const { name, rows } of source.layers) {
    if (rows !== opts.labels.length) {
      throw new LensError(
        `layer ${name} has ${rows} rows but there are ${opts.labels.length} labels`,
        { code: "data", field: name, expected: "one row per label" },
      );
    }
  }
  return await hostRun({
    store: opts.store,
    open: {
      name: opts.name,
      config: { name: opts.name, analyze: opts.source, plugins: opts.plugins },
      seeds: [0],
      backend: "none",
      engine: "analyze",
    },
    resolved,
    log,
    pluginTimeoutS: opts.pluginTimeoutS,
  }, async ({ runId, host }) => {
    const layers: LayerInfo[] = source.layers.map(({ name, cols }, i, all) => ({
      name,
      kind: i === all.length - 1 ? "output" : "dense",
      units: cols,
      activation: "unknown",
      hasWeights: false,
    }));
    const epochs = [...source.epochs];
    await host.dispatch("run_start", {
      runId,
      config: { name: opts.name } as unknown as RunConfig,
      layers,
      sampledEpochs: epochs,
      dataset: {
        name: opts.name,
        numClasses: opts.numClasses,
        nTrain: 0,
        nTest: 0,
        nProbe: opts.labels.length,
      },
    });
    for (const [index, epoch] of epochs.entries()) {
      await host.dispatch("activations", {
        seed: 0,
        epoch,
        cache: source.load(index),
        labels: opts.labels,
        numClasses: opts.numClasses,
      });
      host.flush();
    }
    await host.dispatch("run_end", { runId });
    return "completed";
  });
}

/**
 * Snapshots given as a list become a source; every cache of the list must
 * hold the first one's layers with the same shapes (a source's layers are
 * fixed by construction).
 */
function asSource(
  snapshots: { epoch: number; cache: ActivationCache }[] | SnapshotSource,
): SnapshotSource {
  if (!Array.isArray(snapshots)) return snapshots;
  const first = snapshots[0]?.cache ?? new Map();
  const layers = [...first].map(([name, a]) => ({ name, rows: a.rows, cols: a.cols }));
  for (const { epoch, cache } of snapshots) {
    for (const [name, a] of cache) {
      const at = layers.find((l) => l.name === name);
      if (!at || a.rows !== at.rows || a.cols !== at.cols) {
        throw new LensError(
          `layer ${name} at epoch ${epoch} is ${a.rows} x ${a.cols}, ` +
            (at
              ? `${at.rows} x ${at.cols} in the first snapshot`
              : "absent from the first snapshot"),
          { code: "data", field: name, expected: "the same layers and shapes in every snapshot" },
        );
      }
    }
  }
  return {
    epochs: snapshots.map((s) => s.epoch),
    layers,
    load: (index) => snapshots[index].cache,
  };
}
