/**
 * The seams of layerlens: the small typed interfaces every part builds on.
 *
 * Data enters through a {@link Dataset}, a {@link Trainer} turns it into
 * hook events ({@link HookEventMap}), {@link Plugin}s consume those events
 * and emit tidy {@link ResultRecord}s, and a {@link Store} keeps them.
 * Nothing in this file does work; it only names the shapes.
 *
 * @module
 */

// ---------------------------------------------------------------------------
// Records

/**
 * One tidy result: a single number with its coordinates.
 *
 * `index` is a second coordinate for records that are not indexed by epoch
 * alone: the order l of a feature component, the position of a point on an
 * IB curve. It is 0 when unused. Aggregates over seeds use `seed = -1` and
 * metric names suffixed `_mean`, `_sd`, `_q25`, `_q75`.
 *
 * @example
 * ```ts
 * const r: ResultRecord = {
 *   plugin: "mi-binned", layer: "dense_1", epoch: 0, seed: 0, index: 0,
 *   metric: "ixt", value: 11.99,
 * };
 * ```
 */
export interface ResultRecord {
  plugin: string;
  layer: string;
  epoch: number;
  seed: number;
  index: number;
  metric: string;
  value: number;
}

/** What a plugin hands to `emit`: the plugin id is filled in for it. */
export type ResultInput = Omit<ResultRecord, "plugin" | "index"> & { index?: number };

// ---------------------------------------------------------------------------
// Activations (TransformerLens-style hook points)

/** A matrix of activations, row-major: `rows` samples by `cols` units. */
export interface Activation {
  data: Float32Array;
  rows: number;
  cols: number;
}

/**
 * Activations keyed by hook-point name (`dense_1`, `dense_2`, ..., `output`;
 * `conv_1`, `pool_1`, `flatten`, ... for CNNs). The output hook point holds
 * the softmax probabilities.
 */
export type ActivationCache = Map<string, Activation>;

/** Describes one hook point of a model. */
export interface LayerInfo {
  /** Hook-point name, unique within the model. */
  name: string;
  /** Kind of layer that produces it. */
  kind: "dense" | "conv" | "pool" | "flatten" | "output";
  /** Number of units (flattened size for conv / pool outputs). */
  units: number;
  /** Activation function applied, e.g. `tanh`, `relu`, `softmax`, `linear`. */
  activation: string;
  /** Whether this layer has a weight matrix whose gradient is reported. */
  hasWeights: boolean;
}

// ---------------------------------------------------------------------------
// Data

/** A labelled classification data set held in memory, inputs flattened row-major. */
export interface Dataset {
  /** Short name, e.g. `tishby12`, `mnist`, `npz:path`. */
  name: string;
  /** Shape of one input, e.g. `[12]` or `[28, 28, 1]`. */
  inputShape: number[];
  numClasses: number;
  xTrain: Float32Array;
  yTrain: Int32Array;
  nTrain: number;
  xTest: Float32Array;
  yTest: Int32Array;
  nTest: number;
  /** Inputs on which activations are captured (for tishby12: all 4096). */
  probe: { x: Float32Array; y: Int32Array; n: number };
  /** Free-form facts worth recording with a run (provenance, split). */
  info: Record<string, unknown>;
}

// ---------------------------------------------------------------------------
// Experiment configuration (what a YAML file holds once validated)

/** Which data set to load and how to split it. */
export type DataSpec =
  | {
    name: "tishby12";
    /** `reference`: first trainFraction of rows in binary order; `random`: seeded shuffle. */
    split: "reference" | "random";
    trainFraction: number;
  }
  | {
    name: "mnist";
    /** Class-balanced training subset of this many samples; 0 = all 60000. */
    subset: number;
    /** Test samples to keep; 0 = all 10000. */
    testSubset: number;
    /** Samples of the test set to capture activations on. */
    probeSize: number;
  }
  | {
    name: "file";
    /** `.npy`, `.npz` (arrays `x` and `y`) or `.csv` (last column the label). */
    path: string;
    /** Separate label file (.npy) when `path` holds inputs only. */
    labels?: string;
    trainFraction: number;
  };

/** Network architecture. */
export type ModelSpec =
  | {
    type: "mlp";
    /** Hidden layer widths, e.g. `[10, 7, 5, 4, 3]`. */
    hidden: number[];
    /** Any tfjs activation name: tanh, relu, sigmoid, elu, selu, softplus, linear, ... */
    activation: string;
    /** `reference`: truncated normal sd 1/sqrt(fan_in), zero bias; `tfjs`: tfjs defaults. */
    init: "reference" | "tfjs";
  }
  | {
    type: "cnn";
    /** Conv layers: filters and square kernel size; each followed by 2x2 max pool. */
    conv: { filters: number; kernel: number }[];
    dense: number[];
    activation: string;
    init: "reference" | "tfjs";
  };

/** Optimisation settings. */
export interface TrainingSpec {
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: "adam" | "sgd";
  /** Reshuffle the training set each epoch (seeded); the reference does not. */
  shuffle: boolean;
}

/** When activations are captured (and gradients kept). */
export type ScheduleSpec =
  | { type: "log"; points: number } // unique(int(logspace(0, log2(E), points, base=2))) - 1
  | { type: "every"; every: number }
  | { type: "list"; epochs: number[] };

/** One plugin to run, with its (not yet validated) options. */
export interface PluginUse {
  id: string;
  options: Record<string, unknown>;
}

/** Which executor trains: `fused` (typed-array MLP kernel, seeds batched), `tfjs`, or `auto`. */
export type EngineKind = "auto" | "fused" | "tfjs";

/** tfjs backend. */
export type BackendName = "wasm" | "cpu" | "webgpu";

/** A validated experiment. */
export interface RunConfig {
  name: string;
  data: DataSpec;
  model: ModelSpec;
  training: TrainingSpec;
  schedule: ScheduleSpec;
  /** Seeds, each an independent initialisation (and split / batching order). */
  seeds: number[];
  backend: BackendName;
  engine: EngineKind;
  plugins: PluginUse[];
}

// ---------------------------------------------------------------------------
// Training

/** Loss and accuracy, one entry per seed the trainer holds. */
export interface EpochStats {
  loss: number[];
  accuracy: number[];
}

/** Called per mini-batch when gradients are wanted: per-layer weight gradients of one seed. */
export type BatchCallback = (
  seedIndex: number,
  batch: number,
  loss: number,
  grads: Map<string, Float32Array>,
) => void | Promise<void>;

/** What a trainer is built from. */
export interface TrainerOptions {
  model: ModelSpec;
  training: TrainingSpec;
  /** One data set per seed (the same object repeated when splits do not depend on the seed). */
  datasets: Dataset[];
  seeds: number[];
  backend: BackendName;
}

/**
 * Trains one or more seeds of one model together. The fused MLP kernel
 * holds many seeds in one trainer; the tfjs trainer holds one.
 */
export interface Trainer {
  /** `fused-mlp` or `tfjs`. */
  readonly kind: string;
  /** Backend actually used (`js` for the fused kernel). */
  readonly backend: string;
  /** Seeds held, in order; seedIndex in callbacks indexes this array. */
  readonly seeds: number[];
  /** Hook points of the model, input to output. */
  readonly layers: LayerInfo[];
  /** Activations of every hook point on `n` inputs, one cache per seed. */
  capture(x: Float32Array, n: number): Promise<ActivationCache[]>;
  /** One pass over the training set. `onBatch` gets gradients only when given. */
  trainEpoch(epoch: number, onBatch?: BatchCallback): Promise<EpochStats>;
  /** Loss and accuracy on a labelled set, per seed. */
  evaluate(x: Float32Array, y: Int32Array, n: number): Promise<EpochStats>;
  /** Handle on the trained network of seed index `seedIndex` (valid until dispose). */
  model(seedIndex: number): ModelHandle;
  /** Free every tensor or buffer held. */
  dispose(): void;
}

// ---------------------------------------------------------------------------
// Hook events

/** Sent once before any seed trains. */
export interface RunStartEvent {
  runId: string;
  config: RunConfig;
  layers: LayerInfo[];
  sampledEpochs: number[];
  dataset: { name: string; numClasses: number; nTrain: number; nTest: number; nProbe: number };
}
/** Sent when a seed starts training. */
export interface TrainStartEvent {
  seed: number;
}
/** Sent at the start of every epoch; `sampled` marks capture epochs. */
export interface EpochStartEvent {
  seed: number;
  epoch: number;
  sampled: boolean;
}
/** Sent after every mini-batch of a sampled epoch, with per-layer weight gradients. */
export interface BatchEndEvent {
  seed: number;
  epoch: number;
  batch: number;
  loss: number;
  grads: Map<string, Float32Array>;
}
/** Activations of every hook point on the probe set, at the start of a sampled epoch. */
export interface ActivationsEvent {
  seed: number;
  epoch: number;
  cache: ActivationCache;
  labels: Int32Array;
  numClasses: number;
}
/** Sent at the end of every epoch. */
export interface EpochEndEvent {
  seed: number;
  epoch: number;
  sampled: boolean;
  loss: number;
  accuracy: number;
  testLoss?: number;
  testAccuracy?: number;
}
/**
 * A trained network one seed holds, usable after training: the feature at
 * any hook point, and the upper part of the network above it.
 */
export interface ModelHandle {
  readonly seed: number;
  readonly layers: LayerInfo[];
  /** Activations of every hook point on `n` inputs. */
  capture(x: Float32Array, n: number): Promise<ActivationCache>;
  /**
   * Feeds `features` in place of hook point `layer`'s output and runs the
   * layers above it; returns the softmax output (rows x classes).
   */
  forwardFrom(layer: string, features: Activation): Promise<Activation>;
}

/** Sent when a seed has finished training; `model` stays valid until run_end. */
export interface TrainEndEvent {
  seed: number;
  epochs: number;
  model: ModelHandle;
  dataset: Dataset;
}
/** Sent once after every seed has finished: the place to aggregate. */
export interface RunEndEvent {
  runId: string;
}

/** Every hook event by name. */
export interface HookEventMap {
  run_start: RunStartEvent;
  train_start: TrainStartEvent;
  epoch_start: EpochStartEvent;
  batch_end: BatchEndEvent;
  activations: ActivationsEvent;
  epoch_end: EpochEndEvent;
  train_end: TrainEndEvent;
  run_end: RunEndEvent;
}

/** Name of a hook event. */
export type HookName = keyof HookEventMap;

// ---------------------------------------------------------------------------
// Plugins

/** Declares one option of a plugin: its type, default and meaning. */
export interface OptionSpec {
  type: "number" | "integer" | "boolean" | "string" | "enum" | "number[]" | "string[]";
  default: unknown;
  description: string;
  /** Allowed values for `enum`. */
  choices?: readonly string[];
  min?: number;
  max?: number;
}

/** Declares one metric a plugin emits. */
export interface MetricSpec {
  name: string;
  unit?: string;
  description: string;
}

/**
 * How the dashboard draws a plugin's records, so a custom plugin appears
 * there without any change to the dashboard.
 *
 * - `line`: x is a coordinate (`epoch` or `index`), one dataset per
 *   (group, metric).
 * - `scatter`: x and y are two metrics joined on (layer, epoch, seed,
 *   index); one dataset per group, points in x-coordinate order.
 * - `bar`: x is a coordinate, y one or more metrics.
 */
export interface ChartSpec {
  id: string;
  title: string;
  type: "line" | "scatter" | "bar";
  x: { field?: "epoch" | "index"; metric?: string; label: string; log?: boolean };
  y: { metrics: string[]; label: string; log?: boolean };
  /** One dataset per distinct value of this coordinate. */
  groupBy: "layer" | "seed" | "metric";
  /** Colour points by epoch (information-plane style). */
  colorBy?: "epoch";
  /** Records of another plugin drawn on the same axes (e.g. the IB curve). */
  overlay?: { plugin: string; x: string; y: string; label: string };
}

/** What a plugin instance gets from the engine. */
export interface PluginContext {
  readonly runId: string;
  /** Emit records; `plugin` is filled in. Written to the store in the engine's transaction. */
  emit(records: ResultInput[]): void;
  /** Records emitted so far in this run by the given plugin (for `requires`). */
  results(pluginId: string): ResultRecord[];
  /** A line for the user (stderr / run log). */
  log(message: string): void;
  /**
   * Large in-memory values plugins hand to each other within one run (e.g.
   * feature components for the Shapley plugins), keyed `"<plugin>:<key>"`.
   * Not stored; a plugin that needs another's artifact lists it in `requires`.
   */
  readonly artifacts: Map<string, unknown>;
}

/** Handlers for the hook events a plugin consumes. */
export type PluginInstance = {
  [K in HookName]?: (event: HookEventMap[K]) => void | Promise<void>;
};

/**
 * A metric plugin: declares what it consumes and emits; `setup` returns
 * the handlers. Options reach `setup` validated and with defaults filled.
 *
 * @example
 * ```ts
 * const meanAct: Plugin = {
 *   id: "mean-activation",
 *   description: "Mean activation per layer at sampled epochs",
 *   options: {},
 *   consumes: ["activations"],
 *   emits: [{ name: "mean", description: "mean activation" }],
 *   setup: (ctx) => ({
 *     activations: (e) => {
 *       for (const [layer, a] of e.cache) {
 *         const mean = a.data.reduce((s, v) => s + v, 0) / a.data.length;
 *         ctx.emit([{ layer, epoch: e.epoch, seed: e.seed, metric: "mean", value: mean }]);
 *       }
 *     },
 *   }),
 * };
 * ```
 */
export interface Plugin {
  id: string;
  description: string;
  options: Record<string, OptionSpec>;
  consumes: HookName[];
  /** Plugins whose results this one reads; they run first. */
  requires?: string[];
  emits: MetricSpec[];
  charts?: ChartSpec[];
  setup(
    ctx: PluginContext,
    options: Record<string, unknown>,
  ): PluginInstance | Promise<PluginInstance>;
}

// ---------------------------------------------------------------------------
// Store

/** Lifecycle of a run. */
export type RunStatus = "running" | "completed" | "failed" | "interrupted";

/** A run as stored. */
export interface RunRow {
  id: string;
  name: string;
  status: RunStatus;
  config: RunConfig | Record<string, unknown>;
  seeds: number[];
  backend: string;
  engine: string;
  versions: Record<string, string>;
  timings: Record<string, number>;
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
  pluginErrors: { plugin: string; message: string }[];
  /** Last epoch written per seed. */
  progress: { seed: number; epoch: number; loss: number; accuracy: number }[];
}

/** Filter for {@link Store.queryResults}; every field optional. */
export interface ResultFilter {
  plugin?: string;
  layer?: string;
  metric?: string | string[];
  seed?: number;
  epochMin?: number;
  epochMax?: number;
  /** Only records with rowid greater than this (live following). */
  afterId?: number;
}

/** The run store (SQLite through node:sqlite). */
export interface Store {
  readonly path: string;
  /** Creates a run with status `running`; returns its id (the given one, or a new one). */
  createRun(
    init: Pick<RunRow, "name" | "config" | "seeds" | "backend" | "engine" | "versions"> & {
      id?: string;
    },
  ): string;
  /** Append records in one transaction. */
  appendResults(runId: string, records: ResultRecord[]): void;
  /** Record end-of-epoch statistics (live progress). */
  recordEpoch(runId: string, e: EpochEndEvent): void;
  recordPluginError(runId: string, plugin: string, message: string): void;
  finishRun(
    runId: string,
    status: RunStatus,
    timings: Record<string, number>,
    error?: string,
  ): void;
  listRuns(): RunRow[];
  getRun(id: string): RunRow | undefined;
  queryResults(runId: string, filter?: ResultFilter): (ResultRecord & { id: number })[];
  /** Epoch statistics rows after the given id (live progress). */
  epochsSince(
    runId: string,
    afterId: number,
  ): {
    id: number;
    seed: number;
    epoch: number;
    loss: number;
    accuracy: number;
    testLoss: number | null;
    testAccuracy: number | null;
  }[];
  close(): void;
}
