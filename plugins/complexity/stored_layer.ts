/**
 * Feature complexity of a layer of a stored run: {@link analyzeStoredLayer};
 * `lens features --run <run> --layer <hook point>` sends its
 * {@link storedLayerEvent} through a stored run (core/analyze_features.ts).
 *
 * The run must have been trained with `keep_models: true`. The target
 * seed's network is rebuilt from the store (core/stored_model.ts) with its
 * data set; the feature f is its hook point `layer` captured on every
 * training input and on the test set, exactly as the `disentangle` plugin
 * captures it at `train_end`; the upper network g is the same network
 * above `layer` (`forwardFrom`); the peers for reliability are the run's
 * other stored seeds, rebuilt and captured on the target's training
 * inputs, as the `reliability` plugin does with the run's seeds. These
 * make one `feature` event ({@link storedLayerEvent}) for the complexity
 * plugins, with the target's seed (the disentanglers'
 * and Shapley orderings' seeds combine with it as in a run) and the
 * trained epochs as the records' epoch, so the records are those the
 * plugins would have emitted in the run with the same options.
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import { restoreModel, type StoredNetwork, storedSeeds } from "../../core/stored_model.ts";
import type { FeatureEvent, ResultRecord, RunRow, Store } from "../../core/types.ts";
import { captureFeature } from "./disentangle_plugin.ts";
import { captureLayer, defaultLayer } from "./feature_capture.ts";
import { type FeatureOptions, featurePlugins, featureRecords } from "./user_features.ts";

/** What {@link analyzeStoredLayer} takes. */
export interface StoredLayerInput {
  /** The store holding the run and its models. */
  store: Store;
  /** The run (trained with `keep_models: true`). */
  run: RunRow;
  /** Seed whose network is analysed (default: the first stored seed). */
  seed?: number;
  /** Hidden hook point of the feature (default: the last hidden layer). */
  layer?: string;
  /** Use the other stored seeds as peers for reliability (default true). */
  peers?: boolean;
  /** Options of the analyses, as `analyzeFeatures` (user_features.ts) takes them. */
  options?: FeatureOptions;
  /** Lines for the user (progress). */
  log?: (message: string) => void;
}

/** What {@link analyzeStoredLayer} found and computed. */
export interface StoredLayerResult {
  /** The records, as `analyzeFeatures` (user_features.ts) returns them. */
  records: ResultRecord[];
  /** Seed analysed. */
  seed: number;
  /** Hook point analysed. */
  layer: string;
  /** Seeds whose features were the peers (reliability). */
  peers: number[];
  /** Input values per sample. */
  inDim: number;
  /** Units of the feature. */
  dim: number;
  /** Training samples. */
  nTrain: number;
  /** Test samples. */
  nTest: number;
}

/** The hidden hook point `layer` names ("" or undefined: the last); a clear error otherwise. */
function hiddenLayer(net: StoredNetwork, run: RunRow, layer: string | undefined): string {
  const layers = net.model.layers;
  if (!layer) return defaultLayer(layers);
  const info = layers.find((l) => l.name === layer);
  if (!info || info.kind === "output") {
    throw new LensError(`run ${run.id} has no hidden hook point "${layer}"`, {
      code: "not_found",
      field: "--layer",
      expected: `one of ${layers.filter((l) => l.kind !== "output").map((l) => l.name).join(", ")}`,
    });
  }
  return info.name;
}

/** A stored run's layer as a `feature` event, with what it came from. */
export interface StoredLayerSource {
  /** The event; its `upper` (the target network) lives until {@link dispose}. */
  event: FeatureEvent;
  /** Seeds whose features are the event's peers. */
  peers: number[];
  /** Releases the target network. */
  dispose(): void;
}

/**
 * The `feature` event of hook point `layer` of a stored run's network
 * (see the module doc): the target seed's feature on its training and
 * test inputs, its layers above `layer` as `upper`, the other stored
 * seeds' features as peers (unless `peers` is false). Call `dispose` when
 * done with it.
 */
export async function storedLayerEvent(
  input: Omit<StoredLayerInput, "options" | "log">,
): Promise<StoredLayerSource> {
  const { store, run } = input;
  const seeds = storedSeeds(store, run);
  const seed = input.seed ?? seeds[0];
  const target = await restoreModel(store, run, seed);
  try {
    const layer = hiddenLayer(target, run, input.layer);
    const data = await captureFeature(target, layer, 0, 0);
    const others = input.peers === false ? [] : seeds.filter((s) => s !== seed);
    const peers: Float32Array[] = [];
    for (const s of others) {
      const peer = await restoreModel(store, run, s, target.dataset);
      try {
        peers.push((await captureLayer(peer.model, layer, data.x, data.n, data.inDim)).data);
      } finally {
        peer.dispose();
      }
    }
    const split = (x: Float32Array, f: Float32Array, y: Int32Array, n: number) => ({ x, f, y, n });
    const event: FeatureEvent = {
      seed,
      epoch: target.config.training.epochs,
      layer,
      inDim: data.inDim,
      dim: data.dim,
      train: split(data.x, data.f, data.y, data.n),
      test: data.nTest ? split(data.xTest, data.fTest, data.yTest, data.nTest) : undefined,
      upper: target.model,
      peers,
    };
    return { event, peers: others, dispose: () => target.dispose() };
  } catch (e) {
    target.dispose();
    throw e;
  }
}

/**
 * Runs the feature-complexity analyses on hook point `layer` of a stored
 * run's network (see the module doc).
 *
 * @example
 * ```ts
 * const store = openStore("layerlens.db");
 * const { records } = await analyzeStoredLayer({
 *   store, run: store.getRun(runId)!, layer: "dense_3",
 *   options: { disentangle: { orders: 6, epochs: 30 } },
 * });
 * ```
 */
export async function analyzeStoredLayer(input: StoredLayerInput): Promise<StoredLayerResult> {
  const source = await storedLayerEvent(input);
  try {
    const { event } = source;
    const plugins = featurePlugins(input.options ?? {}, event);
    return {
      records: await featureRecords(event, plugins, input.log),
      seed: event.seed,
      layer: event.layer,
      peers: source.peers,
      inDim: event.inDim,
      dim: event.dim,
      nTrain: event.train.n,
      nTest: event.test?.n ?? 0,
    };
  } finally {
    source.dispose();
  }
}
