/**
 * Analysis of a feature brought whole (`lens features`): one `feature`
 * event (core/types.ts FeatureEvent: arrays exported from any framework,
 * or a layer of a stored run) goes to the plugins through the same run
 * session as training and `lens analyze` (run_session.ts), and what they
 * emit is stored as a run. The plugins are the whole analysis here, so one
 * that fails fails the run. Loads no tfjs of its own.
 *
 * @module
 */
import type { Registry } from "./registry.ts";
import { hostRun, type RunOutcome } from "./run_session.ts";
import type { FeatureEvent, PluginUse, Store } from "./types.ts";

/** Options of {@link analyzeFeature}. */
export interface AnalyzeFeatureOptions {
  /** Name of the run to store. */
  name: string;
  /** The feature. */
  event: FeatureEvent;
  /** Plugins to run (e.g. featurePlugins in plugins/complexity/user_features.ts). */
  plugins: PluginUse[];
  /** Where the run and its records are stored. */
  store: Store;
  /** Registry that resolves the plugins. */
  registry: Registry;
  /** Where the feature came from, recorded as the run's config. */
  source: Record<string, unknown>;
  /** The tfjs backend the analyses ran on. */
  backend: string;
  /** Versions recorded beside layerlens's and Deno's (e.g. tfjs's). */
  versions?: Record<string, string>;
  /** Lines for the user. */
  log?: (message: string) => void;
  /** Aborting stops waiting for the plugins and marks the run interrupted (what they emitted stays). */
  signal?: AbortSignal;
  /** Seconds a plugin's setup or handler may take (default: one hour). */
  pluginTimeoutS?: number;
  /**
   * Called with the run, closed interrupted, the moment `signal` aborts
   * (the analyses may hold the thread for long after; it may end the process).
   */
  onStop?: (outcome: RunOutcome) => void;
}

/**
 * Stores a run of the plugins over one feature: the run's seed is the
 * event's, its config `{ name, analyze: source, plugins }`, its engine
 * `features`. A plugin error fails the run and is rethrown.
 */
export async function analyzeFeature(opts: AnalyzeFeatureOptions): Promise<RunOutcome> {
  const resolved = opts.registry.resolve(opts.plugins, { field: "plugins" });
  return await hostRun({
    store: opts.store,
    open: {
      name: opts.name,
      config: { name: opts.name, analyze: opts.source, plugins: opts.plugins },
      seeds: [opts.event.seed],
      backend: opts.backend,
      engine: "features",
      versions: opts.versions,
    },
    resolved,
    log: opts.log ?? (() => {}),
    pluginTimeoutS: opts.pluginTimeoutS,
    signal: opts.signal,
    strictPlugins: true,
    onStop: opts.onStop,
  }, async ({ host }) => {
    await host.dispatch("feature", opts.event);
    return opts.signal?.aborted ? "interrupted" : "completed";
  });
}
