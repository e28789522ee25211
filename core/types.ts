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
import type { Artifacts } from "./artifacts.ts";

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
  /** Id of the plugin that emitted the record. */
  plugin: string;
  /** Hook-point name the record is about (e.g. `dense_1`). */
  layer: string;
  /** Epoch (0-based) the value refers to: activations captured at the start of it. */
  epoch: number;
  /** Seed of the run the value comes from; -1 for aggregates over seeds. */
  seed: number;
  /** Second coordinate (feature order l, IB-curve point, ...); 0 when unused. */
  index: number;
  /** Metric name, as declared in the plugin's `emits` (aggregates add `_mean`, `_sd`, ...). */
  metric: string;
  /** The value, in the unit the plugin's {@link MetricSpec} declares (e.g. bits or nats). */
  value: number;
}

/** What a plugin hands to `emit`: the plugin id is filled in for it. */
export type ResultInput = Omit<ResultRecord, "plugin" | "index"> & { index?: number };

// ---------------------------------------------------------------------------
// Activations (TransformerLens-style hook points)

/** A matrix of activations, row-major: `rows` samples by `cols` units. */
export interface Activation {
  /** The values, `rows * cols` floats, row `i` at `data[i * cols .. (i + 1) * cols)`. */
  data: Float32Array;
  /** Number of samples (rows). */
  rows: number;
  /** Number of units per sample (columns). */
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
  /** Shape of one sample's value, `[h, w, c]` for a map, where the model says (ResNets). */
  shape?: number[];
}

// ---------------------------------------------------------------------------
// Data

/** A labelled classification data set held in memory, inputs flattened row-major. */
export interface Dataset {
  /** Short name, e.g. `tishby12`, `mnist`, `npz:path`. */
  name: string;
  /** Shape of one input, e.g. `[12]` or `[28, 28, 1]`. */
  inputShape: number[];
  /** Number of classes; labels are integers in `[0, numClasses)`. */
  numClasses: number;
  /** Training inputs, `nTrain` rows of the flattened input shape, row-major. */
  xTrain: Float32Array;
  /** Training labels, one class index per training row. */
  yTrain: Int32Array;
  /** Number of training samples. */
  nTrain: number;
  /** Test inputs, `nTest` rows of the flattened input shape, row-major. */
  xTest: Float32Array;
  /** Test labels, one class index per test row. */
  yTest: Int32Array;
  /** Number of test samples (0 when there is no test set). */
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
    name: "cifar10";
    /** Folder of the binary archive's data_batch_1..5.bin and test_batch.bin. */
    path: string;
    /** Class-balanced training subset of this many images; 0 = all 50000. */
    subset: number;
    /** Test images to keep; 0 = all 10000. */
    testSubset: number;
    /** Test images to capture activations on. */
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
  }
  | {
    /** The CIFAR residual network of He et al. (core/model/resnet.ts). */
    type: "resnet";
    /** 6n + 2 layers with weights (8, 14, 20, 32, ...): n basic blocks per stage. */
    depth: number;
    /** Channels of the first stage (16); the next stages double it. */
    width: number;
    activation: string;
    init: "reference" | "tfjs";
  };

/** Optimisation settings. */
export interface TrainingSpec {
  /** Number of epochs to train (full passes over the training set). */
  epochs: number;
  /** Mini-batch size in samples; the last batch of an epoch may be smaller. */
  batchSize: number;
  /** Learning rate of the optimizer. */
  lr: number;
  /** Optimizer: `adam` or plain `sgd`. */
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
  /** Id of a registered plugin (built-in or loaded from a file). */
  id: string;
  /** Options as written in the config; checked against the plugin's {@link OptionSpec}s. */
  options: Record<string, unknown>;
}

/** Which executor trains: `fused` (typed-array MLP kernel, seeds batched), `tfjs`, or `auto`. */
export type EngineKind = "auto" | "fused" | "tfjs";

/** tfjs backend. */
export type BackendName = "wasm" | "cpu" | "webgpu";

/** A config's backend: one of {@link BackendName}, or `auto` (webgpu on a real GPU for big enough models, else wasm). */
export type BackendSetting = BackendName | "auto";

/** A validated experiment. */
export interface RunConfig {
  /** Name of the experiment (stored as the run's name). */
  name: string;
  /** Data set to load. */
  data: DataSpec;
  /** Network architecture. */
  model: ModelSpec;
  /** Optimisation settings. */
  training: TrainingSpec;
  /** Epochs at which activations are captured and gradients kept. */
  schedule: ScheduleSpec;
  /** Seeds, each an independent initialisation (and split / batching order). */
  seeds: number[];
  /** tfjs backend (used by the `tfjs` engine; the fused kernel runs in plain JS / WebAssembly). */
  backend: BackendSetting;
  /** Which executor trains the model. */
  engine: EngineKind;
  /** Plugins to run; the registry adds the ones they require and runs those first. */
  plugins: PluginUse[];
  /**
   * Store each seed's trained parameters with the run (at `train_end`), so
   * that `lens features --run` can rebuild the network later. Absent means
   * false (config key `keep_models`).
   */
  keepModels?: boolean;
  /**
   * Seconds a plugin's setup or one of its handlers may take before that
   * plugin is recorded as failed and the run goes on without it (config
   * key `plugin_timeout_s`; absent means one hour).
   */
  pluginTimeoutS?: number;
}

// ---------------------------------------------------------------------------
// Training

/** Loss and accuracy, one entry per seed the trainer holds. */
export interface EpochStats {
  /** Mean cross-entropy loss (nats) per seed, in the order of the trainer's `seeds`. */
  loss: number[];
  /** Fraction of samples classified correctly (0..1) per seed, same order. */
  accuracy: number[];
}

/** Called per mini-batch when gradients are wanted: per-layer weight gradients of one seed. */
export type BatchCallback = (
  seedIndex: number,
  batch: number,
  loss: number,
  grads: Map<string, Float32Array>,
) => void | Promise<void>;

/**
 * Weights of one hook point with weights: the kernel (dense `[in, out]`,
 * conv `[k, k, in, out]`, row-major float32, the layout `x @ W` uses) and
 * the bias.
 */
export interface LayerParams {
  /** Hook-point name, e.g. `dense_1`, `conv_1`, `output`. */
  name: string;
  /** Shape of the kernel: `[in, out]` or `[k, k, in, out]`. */
  kernelShape: number[];
  /** Kernel values, row-major, as many as the product of `kernelShape`. */
  kernel: Float32Array;
  /** Bias, one value per output unit (the last entry of `kernelShape`). */
  bias: Float32Array;
}

/** What a trainer is built from. */
export interface TrainerOptions {
  /** Network architecture to build. */
  model: ModelSpec;
  /** Optimisation settings. */
  training: TrainingSpec;
  /** One data set per seed (the same object repeated when splits do not depend on the seed). */
  datasets: Dataset[];
  /** Seeds to train, one per entry of `datasets`. */
  seeds: number[];
  /** tfjs backend to use (ignored by the fused kernel); `auto` decides from the model's size. */
  backend: BackendSetting;
  /**
   * Parameters to start from instead of the seeded initialisation, one
   * list per seed (every hook point with weights, in hook order), e.g. a
   * network stored with `keep_models` and rebuilt.
   */
  initialParams?: LayerParams[][];
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
  /** Id of the run in the store. */
  runId: string;
  /** The validated experiment (a stub with just `name` when analysing stored activations). */
  config: RunConfig;
  /** Hook points of the model, input to output. */
  layers: LayerInfo[];
  /** Epochs (0-based, ascending) at which activations are captured. */
  sampledEpochs: number[];
  /** Size facts of the data set (of the first seed's data set when splits depend on the seed). */
  dataset: { name: string; numClasses: number; nTrain: number; nTest: number; nProbe: number };
}
/** Sent when a seed starts training. */
export interface TrainStartEvent {
  /** Seed about to train. */
  seed: number;
}
/** Sent at the start of every epoch; `sampled` marks capture epochs. */
export interface EpochStartEvent {
  /** Seed training. */
  seed: number;
  /** Epoch (0-based) about to start. */
  epoch: number;
  /** Whether this is a sampled epoch (activations captured, gradients reported). */
  sampled: boolean;
}
/** Sent after every mini-batch of a sampled epoch, with per-layer weight gradients. */
export interface BatchEndEvent {
  /** Seed the batch belongs to. */
  seed: number;
  /** Epoch (0-based) of the batch. */
  epoch: number;
  /** Index (0-based) of the mini-batch within the epoch. */
  batch: number;
  /** Mean cross-entropy loss (nats) of the batch. */
  loss: number;
  /** Weight-matrix gradient (flattened, biases excluded) of each weighted hook point, by name. */
  grads: Map<string, Float32Array>;
}
/** Activations of every hook point on the probe set, at the start of a sampled epoch. */
export interface ActivationsEvent {
  /** Seed whose network produced the activations. */
  seed: number;
  /** Epoch (0-based): captured before that epoch's training, so after `epoch` epochs of updates. */
  epoch: number;
  /**
   * Activations of every hook point, one row per probe input. The arrays
   * are valid while the handler runs (until the promise it returns
   * settles): a source may reuse them for the next event (`lens analyze`
   * reads each snapshot into the same buffers), so a handler that keeps
   * them longer, e.g. for a worker, copies them (`data.slice()`).
   */
  cache: ActivationCache;
  /** Class label of each probe input (row). */
  labels: Int32Array;
  /** Number of classes of the data set. */
  numClasses: number;
}
/** Sent at the end of every epoch. */
export interface EpochEndEvent {
  /** Seed that trained. */
  seed: number;
  /** Epoch (0-based) that ended. */
  epoch: number;
  /** Whether this was a sampled epoch. */
  sampled: boolean;
  /** Mean cross-entropy loss (nats) over the batches as they were trained during the epoch. */
  loss: number;
  /** Training accuracy (0..1) over the batches as they were trained during the epoch. */
  accuracy: number;
  /**
   * Test loss (nats); only on sampled epochs with a test set, and measured
   * at the start of the epoch, before its training (unlike `loss`).
   */
  testLoss?: number;
  /** Test accuracy (0..1); same epochs and timing as `testLoss`. */
  testAccuracy?: number;
}
/**
 * A trained network one seed holds, usable after training: the feature at
 * any hook point, and the upper part of the network above it.
 */
export interface ModelHandle {
  /** Seed of this network. */
  readonly seed: number;
  /** Hook points of the model, input to output. */
  readonly layers: LayerInfo[];
  /** Activations of every hook point on `n` inputs. */
  capture(x: Float32Array, n: number): Promise<ActivationCache>;
  /**
   * Feeds `features` in place of hook point `layer`'s output and runs the
   * layers above it; returns the softmax output (rows x classes).
   */
  forwardFrom(layer: string, features: Activation): Promise<Activation>;
  /**
   * The current parameters of every hook point with weights, in hook order
   * (copies); absent on handles that are not a whole trained network.
   */
  params?(): Promise<LayerParams[]>;
}

/** Sent when a seed has finished training; `model` stays valid until run_end. */
export interface TrainEndEvent {
  /** Seed that finished training. */
  seed: number;
  /** Number of epochs it was configured to train. */
  epochs: number;
  /** The trained network; valid until `run_end`. */
  model: ModelHandle;
  /** The data set this seed trained on. */
  dataset: Dataset;
}
/** Inputs, a feature and labels on one split, row-major, one row per sample. */
export interface FeatureSplit {
  /** Network inputs, `n` rows by the event's `inDim`. */
  x: Float32Array;
  /** The feature, `n` rows by the event's `dim`. */
  f: Float32Array;
  /** Class label of each row. */
  y: Int32Array;
  /** Number of samples (rows). */
  n: number;
}
/**
 * A feature brought whole, instead of training events: what `lens
 * features` sends once, for arrays exported from any framework or for a
 * layer of a stored run (not sent during training). The complexity plugins
 * consume it.
 */
export interface FeatureEvent {
  /** Seed of the network the feature comes from (the records' seed). */
  seed: number;
  /** Epoch of the records (a stored run's layer: the epochs it trained). */
  epoch: number;
  /** Name of the feature: the hook point of `upper` it comes from. */
  layer: string;
  /** Input values per sample (columns of `x`). */
  inDim: number;
  /** Values of the feature per sample (columns of `f`). */
  dim: number;
  /** The training split (every row is used). */
  train: FeatureSplit;
  /** The held-out split, when there is one. */
  test?: FeatureSplit;
  /** The layers above the feature (`forwardFrom(layer, ...)`), when known. */
  upper?: ModelHandle;
  /** The same feature of other networks on `train.x` (each `train.n` rows by its own width). */
  peers: Float32Array[];
}
/** Sent once after every seed has finished: the place to aggregate. */
export interface RunEndEvent {
  /** Id of the run in the store. */
  runId: string;
}

/** Every hook event by name. */
export interface HookEventMap {
  /** Once, before any seed trains. */
  run_start: RunStartEvent;
  /** When a seed starts training. */
  train_start: TrainStartEvent;
  /** At the start of every epoch of every seed. */
  epoch_start: EpochStartEvent;
  /** After every mini-batch of a sampled epoch, when some plugin consumes it. */
  batch_end: BatchEndEvent;
  /** At the start of every sampled epoch, with activations on the probe set. */
  activations: ActivationsEvent;
  /** At the end of every epoch of every seed. */
  epoch_end: EpochEndEvent;
  /** When a seed has finished training. */
  train_end: TrainEndEvent;
  /** Once, after every seed has finished (not sent when the run fails or is interrupted). */
  run_end: RunEndEvent;
  /** Once, from a feature source (`lens features`) instead of training events. */
  feature: FeatureEvent;
}

/** Name of a hook event. */
export type HookName = keyof HookEventMap;

// ---------------------------------------------------------------------------
// Plugins

/** Declares one option of a plugin: its type, default and meaning. */
export interface OptionSpec {
  /** Type the value must have; `enum` takes one of `choices`. */
  type: "number" | "integer" | "boolean" | "string" | "enum" | "number[]" | "string[]";
  /** Value used when the option is not given. */
  default: unknown;
  /** What the option does. */
  description: string;
  /** Allowed values for `enum`. */
  choices?: readonly string[];
  /** Smallest allowed value (inclusive), for numeric options. */
  min?: number;
  /** Largest allowed value (inclusive), for numeric options. */
  max?: number;
}

/** Declares one metric a plugin emits. */
export interface MetricSpec {
  /** Metric name as it appears in {@link ResultRecord.metric}. */
  name: string;
  /** Unit of the value, e.g. `bits` or `nats`; omitted for dimensionless values. */
  unit?: string;
  /** What the metric measures. */
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
  /** Chart id. */
  id: string;
  /** Title shown above the chart. */
  title: string;
  /** How the records are drawn (see above). */
  type: "line" | "scatter" | "bar";
  /** The x axis: a coordinate (`field`) or, for `scatter`, a metric; `log` for a log scale. */
  x: { field?: "epoch" | "index"; metric?: string; label: string; log?: boolean };
  /** The y axis: the metrics drawn on it; `log` for a log scale. */
  y: { metrics: string[]; label: string; log?: boolean };
  /** One dataset per distinct value of this coordinate. */
  groupBy: "layer" | "seed" | "metric";
  /** Colour points by epoch (information-plane style). */
  colorBy?: "epoch";
  /** Records of another plugin drawn on the same axes (e.g. the IB curve). */
  overlay?: { plugin: string; x: string; y: string; label: string };
}

/**
 * A text table a plugin (or family) adds to `lens show`. Plugins of one
 * family share a table by sharing the object or its `id`: it is printed
 * once, from all of the run's records.
 */
export interface TableSpec {
  /** Table id (unique across plugins; shared within a family). */
  id: string;
  /** The table as text from every record of a run; "" when it has nothing to show. */
  format(records: readonly ResultRecord[]): string;
}

/**
 * Columns a plugin (or family) adds to the comparison table of `lens
 * sweep`: cells per variant computed from that variant's run records.
 * `settings` are the sweep file's numeric settings by their snake_case
 * keys (e.g. `plane_tolerance`), defaults filled.
 */
export interface SweepColumnSpec {
  /** Id of the column group (unique across plugins; shared within a family). */
  id: string;
  /** Headings, left to right. */
  headers: string[];
  /**
   * One variant's cells (`text`, as many as `headers`) and the numbers
   * behind them for `--format json` (`values`, by name); null when the run
   * has nothing for these columns.
   */
  cells(
    records: readonly ResultRecord[],
    settings: Readonly<Record<string, number>>,
  ): { text: string[]; values: Record<string, number | string | null> } | null;
  /** What the columns show, for the table's title (e.g. "MI in bits, last hidden layer"). */
  title?: string;
  /** Lines under the table that define the columns. */
  notes?(settings: Readonly<Record<string, number>>): string[];
}

/** The dashboard tab a plugin's charts go to; plugins sharing a tab id share the tab. */
export interface TabSpec {
  /** Tab id. */
  id: string;
  /** Tab title. */
  title: string;
  /** Position among tabs (smaller first; default 100). */
  order?: number;
}

/**
 * Marks a plugin draws on other plugins' charts from its own records.
 *
 * - `overlay`: a curve of this plugin's metrics `x` against `y` on every
 *   chart of `on` that is a scatter coloured by epoch (an information
 *   plane); `select` picks among this plugin's records by their `layer`
 *   field: `"same"` uses records with the chart's group name, a string
 *   names one layer, absent takes every record.
 * - `markers`: vertical lines at the epochs this plugin stores as `metric`
 *   (one per layer and seed) on every epoch-axis chart of `on`.
 */
export type DecorationSpec =
  | { kind: "overlay"; on: string[]; x: string; y: string; label: string; layer?: string }
  | { kind: "markers"; on: string[]; metric: string; label: string };

/**
 * How a plugin presents itself beside its charts: tables for `lens show`,
 * columns for the sweep table, its dashboard tab, and decorations of other
 * plugins' charts. The CLI and the dashboard render these generically, so a
 * custom family appears everywhere without a change outside its own files.
 */
export interface Presentation {
  /** Tables for `lens show`. */
  tables?: TableSpec[];
  /** Columns for the comparison table of `lens sweep`. */
  sweepColumns?: SweepColumnSpec[];
  /** The dashboard tab of the plugin's charts (default: a tab of its own). */
  tab?: TabSpec;
  /** Marks on other plugins' charts. */
  decorations?: DecorationSpec[];
}

/** What a plugin instance gets from the engine. */
export interface PluginContext {
  /** Id of the run the plugin instance belongs to. */
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
   * Keys carry their value's type ({@link ArtifactKey}, core/artifacts.ts).
   */
  readonly artifacts: Artifacts;
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
  /** Unique plugin id, used in configs and as {@link ResultRecord.plugin}. */
  id: string;
  /** One line on what the plugin measures. */
  description: string;
  /** Options the plugin accepts, by name. */
  options: Record<string, OptionSpec>;
  /** Hook events the plugin handles. */
  consumes: HookName[];
  /** Plugins whose results this one reads; they run first. */
  requires?: string[];
  /** Metrics the plugin emits. */
  emits: MetricSpec[];
  /** How the dashboard draws the plugin's records. */
  charts?: ChartSpec[];
  /** Tables, sweep columns, dashboard tab and chart decorations (see {@link Presentation}). */
  presentation?: Presentation;
  /** Creates an instance for one run from validated options (defaults filled). */
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
  /** Run id. */
  id: string;
  /** Run name (the config's `name`). */
  name: string;
  /** Lifecycle status. */
  status: RunStatus;
  /** The validated config (or, for an analysis of stored activations, what it was given). */
  config: RunConfig | Record<string, unknown>;
  /** Seeds of the run. */
  seeds: number[];
  /** Backend used, as a description (e.g. `wasm`, `js (fused-mlp); tfjs wasm`, `none`). */
  backend: string;
  /** Engine used: `fused`, `tfjs` or `analyze`. */
  engine: string;
  /** Versions of layerlens, Deno and tfjs the run was made with, by name. */
  versions: Record<string, string>;
  /** Durations in seconds: `load_s`, `train_s`, `capture_s`, `total_s`, `plugin:<id>_s`. */
  timings: Record<string, number>;
  /** When the run was created, ISO 8601 UTC. */
  createdAt: string;
  /** When the run finished (ISO 8601 UTC); null while running. */
  finishedAt: string | null;
  /** Message of the error that failed the run, or null. */
  error: string | null;
  /** Errors raised by plugins (recorded without stopping the run). */
  pluginErrors: { plugin: string; message: string }[];
  /** Last epoch written per seed. */
  progress: { seed: number; epoch: number; loss: number; accuracy: number }[];
}

/** One seed's statistics at the end of one epoch, as the store holds them. */
export interface EpochRow {
  /** Seed that trained. */
  seed: number;
  /** Epoch (0-based). */
  epoch: number;
  /** Mean training loss (nats) of the epoch. */
  loss: number;
  /** Training accuracy (0..1) of the epoch. */
  accuracy: number;
  /** Test loss, where the test set was scored (sampled epochs); null otherwise. */
  testLoss: number | null;
  /** Test accuracy, where the test set was scored; null otherwise. */
  testAccuracy: number | null;
}

/** One (plugin, metric, layer) group of a run's records: {@link Store.resultGroups}. */
export interface ResultGroup {
  /** Plugin that emitted the records. */
  plugin: string;
  /** Metric name. */
  metric: string;
  /** Layer (hook point) name. */
  layer: string;
  /** Number of records in the group. */
  count: number;
  /** Smallest epoch of the group. */
  epochMin: number;
  /** Largest epoch of the group. */
  epochMax: number;
  /** Largest record rowid of the group. */
  lastId: number;
}

/** Filter for {@link Store.queryResults}; every field optional. */
export interface ResultFilter {
  /** Only records of this plugin id. */
  plugin?: string;
  /** Only records of this layer. */
  layer?: string;
  /** Only records of this metric, or of any of these metrics (an empty list matches none). */
  metric?: string | string[];
  /** Only records of this seed (-1 for aggregates). */
  seed?: number;
  /** Only records with epoch >= this. */
  epochMin?: number;
  /** Only records with epoch <= this. */
  epochMax?: number;
  /** Only records with rowid greater than this (live following). */
  afterId?: number;
  /** At most this many records (the first ones in rowid order): pages with `afterId`. */
  limit?: number;
}

/** A whole run as one store hands it to another ({@link Store.importRun}). */
export interface RunCopy {
  /** The run as the source reads it (status, config, timings, plugin errors...). */
  run: RunRow;
  /** The process that wrote it, as the source recorded it. */
  writer: { pid: number | null; host: string | null };
  /** Every record, in the source's order. */
  records: ResultRecord[];
  /** Every epoch statistics row, in the source's order. */
  epochs: EpochRow[];
  /** Stored parameters per seed. */
  models: { seed: number; params: LayerParams[] }[];
}

/** The run store: SQLite (node:sqlite) or PostgreSQL (core/store/postgres.ts). */
export interface Store {
  /** Path of the SQLite file, or the PostgreSQL URL without its password. */
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
  /** Record an error raised by a plugin (the run goes on). */
  recordPluginError(runId: string, plugin: string, message: string): void;
  /** Mark a run finished with its status, timings (seconds) and, on failure, the error message. */
  finishRun(
    runId: string,
    status: RunStatus,
    timings: Record<string, number>,
    error?: string,
  ): void;
  /** Every stored run, newest first. */
  listRuns(): RunRow[];
  /** The run with this id, if any. */
  getRun(id: string): RunRow | undefined;
  /** The process that created run `id` (pid and host name as recorded), if the run exists. */
  writer?(id: string): { pid: number | null; host: string | null } | undefined;
  /** Records of a run matching `filter`, each with its rowid as `id`, in insertion order. */
  queryResults(runId: string, filter?: ResultFilter): (ResultRecord & { id: number })[];
  /**
   * Counts of a run's records after rowid `afterId`, one group per
   * (plugin, metric, layer), computed in the database (no records are
   * read out): what a live page needs to know what to fetch.
   */
  resultGroups(runId: string, afterId?: number): ResultGroup[];
  /** Epoch statistics rows after the given id (live progress). */
  epochsSince(runId: string, afterId: number): (EpochRow & { id: number })[];
  /**
   * Stores the parameters of seed `seed`'s trained network with run
   * `runId` (one transaction; replaces what that seed had).
   */
  saveModel(runId: string, seed: number, params: LayerParams[]): void;
  /**
   * Deletes the results, epoch rows and models of `seeds` of run `runId`
   * in one transaction (a retried queue job replaces its partial records).
   */
  clearSeeds?(runId: string, seeds: readonly number[]): void;
  /** The parameters stored for seed `seed` of run `runId`, in hook order; undefined if none. */
  loadModel(runId: string, seed: number): LayerParams[] | undefined;
  /** Seeds of run `runId` with stored parameters, ascending. */
  modelSeeds(runId: string): number[];
  /**
   * Writes a whole run copied from another store (`lens import`), keeping
   * its id, in one transaction; false (nothing written) when a run with
   * that id is already here.
   */
  importRun?(copy: RunCopy): boolean;
  /**
   * Calls `onChange` with a run's id soon after any process commits a
   * change to that run ("" when changes may have been missed), so live
   * readers need not poll (PostgreSQL: LISTEN/NOTIFY). Absent where the
   * backend cannot tell (SQLite: readers poll). Returns a function that
   * stops the calls.
   */
  watch?(onChange: (runId: string) => void): () => void;
  /** Renames run `id` (dashboard; a `not_found` error for an unknown run). */
  renameRun?(id: string, name: string): void;
  /** Replaces the tags of run `id`. */
  setRunTags?(id: string, tags: string[]): void;
  /** The tags of run `id`, sorted (none when never tagged). */
  runTags?(id: string): string[];
  /** Deletes run `id` and everything stored with it, in one transaction. */
  deleteRun?(id: string): void;
  /**
   * The dashboard's answer stored for run `runId` under `key` (a chart's or
   * the training curves' JSON), when it was stored after the run's last
   * record; undefined otherwise. Backends without it answer anew.
   */
  storedAnswer?(runId: string, key: string): string | undefined;
  /**
   * Keeps `body` as the answer under `key` for run `runId`, valid until a
   * record is added to the run. False when it was not kept (a busy or
   * read-only database, an answer too large): the server computes it again.
   */
  storeAnswer?(runId: string, key: string, body: string): boolean;
  /** Close the database. */
  close(): void;
}
