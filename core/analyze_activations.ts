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

/** Options of {@link analyzeActivations}. */
export interface AnalyzeOptions {
  /** Name of the run to store. */
  name: string;
  /** One activation cache per snapshot, in epoch order. */
  snapshots: { epoch: number; cache: ActivationCache }[];
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
  const first = opts.snapshots[0]?.cache;
  if (!first) {
    throw new LensError("no activation snapshots to analyze", { code: "data" });
  }
  for (const { epoch, cache } of opts.snapshots) {
    for (const [name, a] of cache) {
      if (a.rows !== opts.labels.length) {
        throw new LensError(
          `layer ${name} at epoch ${epoch} has ${a.rows} rows but there are ${opts.labels.length} labels`,
          { code: "data", field: name, expected: "one row per label" },
        );
      }
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
    const layers: LayerInfo[] = [...first].map(([name, a], i, all) => ({
      name,
      kind: i === all.length - 1 ? "output" : "dense",
      units: a.cols,
      activation: "unknown",
      hasWeights: false,
    }));
    const epochs = opts.snapshots.map((s) => s.epoch);
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
    for (const { epoch, cache } of opts.snapshots) {
      await host.dispatch("activations", {
        seed: 0,
        epoch,
        cache,
        labels: opts.labels,
        numClasses: opts.numClasses,
      });
      host.flush();
    }
    await host.dispatch("run_end", { runId });
    return "completed";
  });
}
