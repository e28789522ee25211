/**
 * layerlens: look inside neural networks while they train.
 *
 * The public API: run an experiment from a config, read its results, write
 * a metric plugin, analyze activations exported from another framework.
 *
 * @example
 * ```ts
 * import { builtinPlugins, createRegistry, openStore, parseConfig, runExperiment } from "./mod.ts";
 *
 * const config = parseConfig(
 *   "data: {name: tishby12}\ntraining: {epochs: 200}\nplugins: [{id: mi-binned}]",
 *   "inline.yaml",
 * );
 * const store = openStore("runs.db");
 * const { runId } = await runExperiment({ config, store, registry: createRegistry(builtinPlugins()) });
 * for (const r of store.queryResults(runId, { metric: "ixt", epochMin: 199 })) {
 *   console.log(r.layer, r.value);
 * }
 * store.close();
 * ```
 *
 * @module
 */
export type * from "./core/types.ts";
export {
  type ArtifactKey,
  artifactKey,
  type Artifacts,
  createArtifacts,
} from "./core/artifacts.ts";
export { errorMessage, LensError, type LensErrorDetails } from "./core/errors.ts";
export {
  analyzeActivations,
  type AnalyzeOptions,
  type EpochProgress,
  runExperiment,
  type RunExperimentOptions,
  type RunOutcome,
  type SnapshotLayer,
  type SnapshotSource,
} from "./core/engine.ts";
export {
  completeRun,
  hostRun,
  type HostRunOptions,
  type RunFeed,
  type RunOpening,
} from "./core/run_session.ts";
export { analyzeFeature, type AnalyzeFeatureOptions } from "./core/analyze_features.ts";
export { createPluginHost, type PluginHost, type RecordSink } from "./core/plugin_host.ts";
export {
  createRegistry,
  optionKey,
  type Registry,
  type ResolvedPlugin,
  validateOptions,
  type Where,
} from "./core/registry.ts";
export {
  definePlugin,
  type OptionValue,
  type OptionValues,
  type PluginDefinition,
} from "./core/plugin_def.ts";
export { openStore } from "./core/store.ts";
export { isPostgresUrl, openStoreAt, redactUrl } from "./core/store_open.ts";
export { openPostgresStore, type PostgresStoreOptions } from "./core/store/postgres.ts";
export type { OpenStoreOptions } from "./core/store.ts";
export { configFromValue, type ConfigSource, loadConfig, parseConfig } from "./core/config.ts";
export {
  loadSweep,
  mergeOverrides,
  parseSweep,
  type Sweep,
  type SweepVariant,
} from "./core/sweep.ts";
export { logSpacedEpochs, sampledEpochs } from "./core/schedule.ts";
export { createRng, permutation, type Rng, truncatedNormal } from "./core/rng.ts";
export { type DenseParams, initDense, type InitScheme } from "./core/model/init.ts";
export { type BackendHint, initBackend } from "./core/backend.ts";
export { chooseEngine, createTrainer } from "./core/train/create_trainer.ts";
export { aggregateSeeds } from "./core/aggregate.ts";
export { loadDataset } from "./core/data/load.ts";
export { loadTishby12, tishby12Arrays } from "./core/data/tishby12.ts";
export { loadMnist } from "./core/data/mnist.ts";
export { type NpyArray, type NpyData, readNpy, writeNpy } from "./core/data/npy.ts";
export { readNpz, writeNpz } from "./core/data/npz.ts";
export { builtinPlugins } from "./plugins/builtin.ts";
export {
  analyzeFeatures,
  type AnalyzeFeaturesInput,
  type FeatureOptions,
  featurePlugins,
  featureRecords,
  type UpperSpec,
  userFeatureEvent,
  type UserSplit,
} from "./plugins/complexity/user_features.ts";
export type { WeightLayout } from "./plugins/complexity/upper_npz.ts";
export {
  analyzeStoredLayer,
  storedLayerEvent,
  type StoredLayerInput,
  type StoredLayerResult,
  type StoredLayerSource,
} from "./plugins/complexity/stored_layer.ts";
export {
  MI_ESTIMATORS,
  type MiEstimator,
  type MiLabels,
  type MiOptions,
  type MiResult,
  type MiTable,
  mutualInformation,
} from "./plugins/infoplane/mi_arrays.ts";
export { ksgMi, type NeighbourMi } from "./plugins/infoplane/ksg_mi.ts";
export { rossMi } from "./plugins/infoplane/ross_mi.ts";
export { type NoisyEstimate, noisyMi } from "./plugins/infoplane/noisy_mi.ts";
export { restoreModel, type StoredNetwork, storedSeeds } from "./core/stored_model.ts";
export { LAYERLENS_VERSION } from "./core/version.ts";
