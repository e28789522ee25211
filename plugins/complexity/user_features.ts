/**
 * Feature complexity of features a user brings (exported from any
 * framework), without a layerlens run: {@link analyzeFeatures}.
 *
 * What to bring, row-major float32 with one row per sample:
 *
 * - `train`: the network inputs `x` (n by inDim; the disentanglers map x to
 *   f, so they are required), the feature `f` (n by dim) and labels `y`;
 * - `test` (optional): the same on held-out samples (needed for the
 *   overfitting game and boost);
 * - `upper` (optional): the layers above the feature as an `.npz` of dense
 *   layers `W1, b1, W2, b2, ...` (upper_npz.ts; `activation` between them,
 *   default relu; `layout` `in_out` for `x @ W`, `out_in` for PyTorch), or
 *   the parameters directly, or a whole network (`model`, a ModelHandle:
 *   its layers above hook point `layer`). Needed for the Shapley games and
 *   boost;
 * - `peers` (optional): the same feature of other networks trained for the
 *   task, on the same training inputs (each n by its own dim), for
 *   reliability (the user's network is the target).
 *
 * It runs what the data allow, with the plugins' options
 * (`options.disentangle`, `.reliability`, `.shapley`, `.boost`): the data
 * become one `feature` event ({@link userFeatureEvent}) sent through a
 * plugin host to the plugins {@link featurePlugins} lists, and it
 * returns the records they emit, with `plugin` set to
 * `disentangle`, `reliability`, `shapley-effectiveness`,
 * `shapley-overfitting` and `boost`, `layer` = `layer` (default
 * "feature"), seed `seed` (default 0), epoch `epoch` (default 0). The
 * disentanglers use every row given (the `samples` option does not apply).
 * A layer of a stored run goes through here too (stored_layer.ts).
 *
 * @example
 * ```ts
 * const records = await analyzeFeatures({
 *   inDim: 784, dim: 64,
 *   train: { x: xTrain, f: fTrain, y: yTrain, n: 2000 },
 *   test: { x: xTest, f: fTest, y: yTest, n: 10000 },
 *   upper: { path: "upper.npz", activation: "relu" },
 *   options: { disentangle: { orders: 6, epochs: 100 } },
 * });
 * ```
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import type { DenseParams } from "../../core/model/init.ts";
import { createPluginHost } from "../../core/plugin_host.ts";
import { createRegistry } from "../../core/registry.ts";
import type {
  FeatureEvent,
  FeatureSplit,
  ModelHandle,
  PluginUse,
  ResultRecord,
} from "../../core/types.ts";
import { boostPlugin } from "./boost_plugin.ts";
import { createUpperHandle } from "./dense_handle.ts";
import { disentanglePlugin } from "./disentangle_plugin.ts";
import { reliabilityPlugin } from "./reliability_plugin.ts";
import { shapleyEffectivenessPlugin } from "./shapley_effectiveness_plugin.ts";
import { shapleyOverfittingPlugin } from "./shapley_overfitting_plugin.ts";
import { readUpperNpz, type WeightLayout } from "./upper_npz.ts";

/** Inputs, feature and labels of one split. */
export type UserSplit = FeatureSplit;

/**
 * Options of the complexity plugins a feature analysis runs (each checked
 * against its plugin's option specs); reliability's disentanglers take
 * `disentangle`'s options, overridden by `reliability`'s.
 */
export interface FeatureOptions {
  /** Options of the `disentangle` plugin (orders, epochs, ...). */
  disentangle?: Record<string, unknown>;
  /** Options of the `reliability` plugin, over `disentangle`'s for its disentanglers. */
  reliability?: Record<string, unknown>;
  /** Options shared by `shapley-effectiveness` and `shapley-overfitting`. */
  shapley?: Record<string, unknown>;
  /** The `boost` plugin's options: `components`, orders whose components are also fed to g. */
  boost?: { components?: number[] };
}

/**
 * The upper layers g: an `.npz` file, dense parameters, or a whole network
 * (`model`) whose layers above the hidden hook point `layer` are g (fed
 * through `forwardFrom`, as the plugins do in a run).
 */
export type UpperSpec =
  | { path: string; activation?: string; layout?: WeightLayout }
  | { params: DenseParams; activation?: string }
  | { model: ModelHandle };

/** What {@link analyzeFeatures} takes. */
export interface AnalyzeFeaturesInput {
  /** Number of input values per sample (columns of `x`). */
  inDim: number;
  /** Dimension of the feature (columns of `f`). */
  dim: number;
  /** Training split; the disentanglers are fitted on every row of it. */
  train: UserSplit;
  /** Held-out split, needed for the overfitting game and boost. */
  test?: UserSplit;
  /** The layers above the feature, needed for the Shapley games and boost. */
  upper?: UpperSpec;
  /**
   * The same feature of other networks on the same training inputs (each
   * `train.n` rows by its own dim, row-major), for reliability.
   */
  peers?: Float32Array[];
  /**
   * Name of the feature in the records (default "feature"); with an
   * `upper.model`, the hook point of that network the feature comes from.
   */
  layer?: string;
  /**
   * Seed of the network the feature comes from (default 0): the records'
   * seed, and combined with the disentangler and Shapley seeds exactly as
   * the plugins combine them with a run's seed.
   */
  seed?: number;
  /** Epoch of the records (default 0; a stored run's layer: the epochs it trained). */
  epoch?: number;
  /** Options of the plugins run, as their configs would give them. */
  options?: FeatureOptions;
  /** Lines for the user (progress). */
  log?: (message: string) => void;
}

function check(split: UserSplit, inDim: number, dim: number, name: string): void {
  const bad = (field: string, expected: string, got: number) => {
    throw new LensError(`${name}.${field} has ${got} values`, {
      code: "data",
      field: `${name}.${field}`,
      expected,
    });
  };
  if (!Number.isInteger(split.n) || split.n < 1) {
    throw new LensError(`${name} has ${split.n} samples`, {
      code: "data",
      field: `${name}.n`,
      expected: "at least one sample",
    });
  }
  if (!Number.isInteger(inDim) || inDim < 1 || !Number.isInteger(dim) || dim < 1) {
    throw new LensError(`input width ${inDim} and feature width ${dim}`, {
      code: "data",
      field: "inDim / dim",
      expected: "positive integers",
    });
  }
  if (split.x.length !== split.n * inDim) bad("x", `${split.n} x ${inDim} values`, split.x.length);
  if (split.f.length !== split.n * dim) bad("f", `${split.n} x ${dim} values`, split.f.length);
  if (split.y.length !== split.n) bad("y", `${split.n} labels`, split.y.length);
}

/** The handle the Shapley games and boost feed: g above hook point `layer`, taking `dim` values. */
function upperModel(u: UpperSpec, dim: number, layer: string): ModelHandle {
  if ("model" in u) {
    const info = u.model.layers.find((l) => l.name === layer);
    if (!info || info.kind === "output" || info.units !== dim) {
      throw new LensError(
        info ? `hook point "${layer}" has ${info.units} units` : `no hook point "${layer}"`,
        {
          code: "data",
          field: "upper.model",
          expected: `a hidden hook point "${layer}" with ${dim} units (the feature's dimension)`,
        },
      );
    }
    return u.model;
  }
  const params = "path" in u ? readUpperNpz(u.path, dim, u.layout ?? "in_out") : u.params;
  if (params.sizes[0] !== dim) {
    throw new LensError(`the upper network takes ${params.sizes[0]} inputs`, {
      code: "data",
      field: "upper",
      expected: `${dim} inputs (the feature's dimension)`,
    });
  }
  return createUpperHandle(params, u.activation ?? "relu", layer);
}

/**
 * The `feature` event of `input` (checked: a LensError names the array
 * that does not fit): what the complexity plugins consume.
 */
export function userFeatureEvent(input: AnalyzeFeaturesInput): FeatureEvent {
  const { inDim, dim, train, test } = input;
  const layer = input.layer ?? "feature";
  check(train, inDim, dim, "train");
  if (test) check(test, inDim, dim, "test");
  return {
    seed: input.seed ?? 0,
    epoch: input.epoch ?? 0,
    layer,
    inDim,
    dim,
    train,
    test,
    upper: input.upper ? upperModel(input.upper, dim, layer) : undefined,
    peers: input.peers ?? [],
  };
}

/**
 * The plugins the feature of `event` allows, with their options: always
 * `disentangle`; `reliability` with peers; with the upper layers,
 * `shapley-effectiveness`, and with a test split too, `shapley-overfitting`
 * and `boost`.
 */
export function featurePlugins(
  options: FeatureOptions,
  event: Pick<FeatureEvent, "peers" | "upper" | "test">,
): PluginUse[] {
  const disentangle = options.disentangle ?? {};
  const shapley = options.shapley ?? {};
  const upper = event.upper !== undefined;
  const test = (event.test?.n ?? 0) > 0;
  return [
    { id: "disentangle", options: disentangle },
    ...(event.peers.length
      ? [{ id: "reliability", options: { ...disentangle, ...options.reliability } }]
      : []),
    ...(upper ? [{ id: "shapley-effectiveness", options: shapley }] : []),
    ...(upper && test ? [{ id: "shapley-overfitting", options: shapley }] : []),
    ...(upper && test ? [{ id: "boost", options: options.boost ?? {} }] : []),
  ];
}

/**
 * The records `plugins` emit for `event`, through a plugin host (no run is
 * stored): a plugin that fails throws its error.
 */
export async function featureRecords(
  event: FeatureEvent,
  plugins: PluginUse[],
  log: (message: string) => void = () => {},
): Promise<ResultRecord[]> {
  const registry = createRegistry([
    disentanglePlugin,
    reliabilityPlugin,
    shapleyEffectivenessPlugin,
    shapleyOverfittingPlugin,
    boostPlugin,
  ]);
  const records: ResultRecord[] = [];
  const host = await createPluginHost({
    runId: "features",
    store: { appendResults: (_, rs) => void records.push(...rs), recordPluginError: () => {} },
    resolved: registry.resolve(plugins, { field: "options" }),
    log,
    strict: true,
  });
  await host.dispatch("feature", event);
  host.flush();
  return records;
}

/** Runs the complexity analyses the given data allow; returns their records. */
export async function analyzeFeatures(input: AnalyzeFeaturesInput): Promise<ResultRecord[]> {
  const event = userFeatureEvent(input);
  return await featureRecords(event, featurePlugins(input.options ?? {}, event), input.log);
}
