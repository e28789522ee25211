/**
 * `disentangle`: the distribution of feature complexity of [Ren]
 * (docs/methods.md section 7) for each seed's trained network.
 *
 * At `train_end` it captures the feature f at hook point `layer` (default:
 * the last hidden layer) on `samples` training inputs (default all) and on
 * the test set, trains disentanglers Phi^(1..L) (disentangle_kernel.ts:
 * `orders` ReLU layers plus a linear head, each warm-started from the
 * previous order, Adam, lr log-spaced `lrStart` -> `lrEnd` over `epochs`)
 * and emits per order l (index = l):
 *
 * - `loss`: distillation MSE of Phi^(l) on the training samples (f's units);
 * - `rho`: Var[c^(l)] / Var[f], c^(l) = Phi^(l) - Phi^(l-1), Phi^(0) = 0;
 * - `var_phi`: Var[Phi^(l)] / Var[f];
 * - `var_residual`: Var[f - Phi^(l)] / Var[f];
 *
 * and `var_f` (Var[f]) at index 0. Var is the per-dimension variance over
 * the training samples averaged over dimensions. The components on the
 * training rows and the test set go to `ctx.artifacts` under
 * `disentangle:<seed>` ({@link DisentangleArtifact}) for the Shapley,
 * boost plugins.
 *
 * Budget: `epochs` (default 100) passes over the rows, `steps` mini-batches
 * whatever the number of rows, or `schedule: ren2021`, the authors' loop
 * (`REN2021_SCHEDULE` in options.ts). `pool: all` trains the disentanglers on the
 * data set's whole training set (its `subset` switched off) instead of the
 * target's rows; the statistics are taken on the target's rows either way.
 *
 * A `feature` event (`lens features`: a feature brought whole) is
 * decomposed the same way, on every training row it brings, by MLP
 * disentanglers, with the event's seed, layer and epoch.
 *
 * `net` picks the disentanglers ({@link chooseNet}): `mlp`, dense layers of
 * `width` units on the flattened input; `conv`, 3x3 'same' conv layers of
 * `channels` channels on the image with a flatten + dense head
 * (conv_disentangler_net.ts); `auto` (default), conv for a CNN on image
 * inputs, else mlp.
 *
 * @module
 */
import { defineOptions, definePlugin, type OptionValues } from "../../core/plugin_def.ts";
import { COMPLEXITY_PRESENTATION } from "./presentation.ts";
import { LensError } from "../../core/errors.ts";
import type {
  Dataset,
  DataSpec,
  FeatureEvent,
  Plugin,
  ResultInput,
  TrainEndEvent,
} from "../../core/types.ts";
import { loadFullTraining } from "./full_training_set.ts";
import { type DisentangleArtifact, disentangleKey } from "./artifact.ts";
import { type ComplexityStats, complexityStats, componentsFromPhis } from "./components.ts";
import { disentangle, type DisentangleOptions } from "./disentangle_kernel.ts";
import {
  captureLayer,
  chooseRows,
  gatherLabels,
  gatherRows,
  resolveLayer,
} from "./feature_capture.ts";
import {
  chooseNet,
  DISENTANGLER_NET_OPTIONS,
  DISENTANGLER_OPTIONS,
  disentanglerOptions,
} from "./options.ts";

/** Inputs per sample of a data set (product of its input shape). */
export function inputSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A feature to decompose: inputs, feature and labels on the training rows and the test set. */
export interface FeatureData {
  /** Training inputs (the rows used), n by inDim. */
  x: Float32Array;
  /** f on them, n by dim. */
  f: Float32Array;
  y: Int32Array;
  n: number;
  /** Rows of the data set's training set these are. */
  rows: Int32Array;
  xTest: Float32Array;
  fTest: Float32Array;
  yTest: Int32Array;
  nTest: number;
  inDim: number;
  dim: number;
  /** Shape of one input (the data set's `inputShape`); the conv disentanglers need an image. */
  imageShape?: number[];
  /** Rows the disentanglers train on when not `x` (`pool: all`): inputs and f on them. */
  fit?: { x: Float32Array; f: Float32Array; n: number };
  /** Shape of one sample of f when the model gives it (maps of a ResNet). */
  featureShape?: number[];
}

/** Result of {@link decomposeFeature}. */
export interface Decomposition {
  artifact: DisentangleArtifact;
  stats: ComplexityStats;
}

/**
 * Trains the disentanglers on `data` and packs the components (the
 * artifact) with their variance shares. `o` from {@link disentanglerOptions}.
 */
export async function decomposeFeature(
  data: FeatureData,
  o: DisentangleOptions,
  layer: string,
  seed: number,
  log?: (m: string) => void,
): Promise<Decomposition> {
  const t0 = performance.now();
  const r = await disentangle(
    {
      x: data.x,
      f: data.f,
      n: data.n,
      inDim: data.inDim,
      dim: data.dim,
      xTest: data.xTest,
      nTest: data.nTest,
      imageShape: data.imageShape,
      fit: data.fit,
      featureShape: data.featureShape,
    },
    {
      ...o,
      onOrder: (l, loss) =>
        log?.(
          `seed ${seed} ${layer} (${o.net ?? "mlp"}): order ${l}/${o.orders} ` +
            `loss ${loss.toPrecision(4)} ` +
            `(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
        ),
    },
  );
  const artifact: DisentangleArtifact = {
    seed,
    layer,
    dim: data.dim,
    orders: o.orders,
    trainRows: data.rows,
    train: { n: data.n, f: data.f, components: componentsFromPhis(r.phiTrain), labels: data.y },
    test: {
      n: data.nTest,
      f: data.fTest,
      components: data.nTest ? componentsFromPhis(r.phiTest) : [],
      labels: data.yTest,
    },
    loss: r.loss,
  };
  return { artifact, stats: complexityStats(data.f, r.phiTrain, data.n, data.dim) };
}

/** Captures the feature of a trained network on its training rows and test set. */
export async function captureFeature(
  e: Pick<TrainEndEvent, "model" | "dataset">,
  layer: string,
  samples: number,
  rowSeed: number,
): Promise<FeatureData> {
  const d = e.dataset;
  const inDim = inputSize(d.inputShape);
  const rows = chooseRows(d.nTrain, samples, rowSeed, "disentangle-rows");
  const x = gatherRows(d.xTrain, inDim, rows);
  const f = await captureLayer(e.model, layer, x, rows.length, inDim);
  const fTest = await captureLayer(e.model, layer, d.xTest, d.nTest, inDim);
  return {
    x,
    f: f.data,
    y: gatherLabels(d.yTrain, rows),
    n: rows.length,
    rows,
    xTest: d.xTest,
    fTest: fTest.data,
    yTest: d.yTest,
    nTest: d.nTest,
    inDim,
    dim: f.cols,
    imageShape: d.inputShape,
  };
}

/**
 * Disentangles the feature of one trained network (options of the
 * `disentangle` plugin, `net` and `channels` included).
 */
export async function disentangleModel(
  e: Pick<TrainEndEvent, "model" | "dataset" | "seed">,
  options: DisentangleOptionValues,
  plugin: string,
  log?: (m: string) => void,
  pool?: Dataset,
): Promise<Decomposition> {
  const o = disentanglerOptions(options, e.seed);
  const info = resolveLayer(e.model.layers, o.layer, plugin);
  const net = chooseNet(options.net, e.dataset.inputShape, e.model.layers, `${plugin}.net`);
  const channels = options.channels;
  const data = await captureFeature(e, info.name, o.samples, o.seed);
  if (pool) {
    const inDim = data.inDim;
    if (inputSize(pool.inputShape) !== inDim) {
      throw new LensError(`the full training set has inputs of shape [${pool.inputShape}]`, {
        code: "plugin",
        field: `${plugin}.pool`,
        expected: `inputs of ${inDim} values, as the target's`,
      });
    }
    const f = await captureLayer(e.model, info.name, pool.xTrain, pool.nTrain, inDim);
    data.fit = { x: pool.xTrain, f: f.data, n: pool.nTrain };
  }
  data.featureShape = info.shape;
  return decomposeFeature(data, { ...o, net, channels }, info.name, e.seed, log);
}

/**
 * The feature of a {@link FeatureEvent} as the disentanglers take it:
 * every training row (the `samples` option does not apply), MLP
 * disentanglers on the flattened inputs.
 */
export function featureEventData(e: FeatureEvent): FeatureData {
  const { train, test } = e;
  return {
    x: train.x,
    f: train.f,
    y: train.y,
    n: train.n,
    rows: Int32Array.from({ length: train.n }, (_, i) => i),
    xTest: test?.x ?? new Float32Array(0),
    fTest: test?.f ?? new Float32Array(0),
    yTest: test?.y ?? new Int32Array(0),
    nTest: test?.n ?? 0,
    inDim: e.inDim,
    dim: e.dim,
  };
}

/** The records of a decomposition (see the module doc). */
export function disentangleRecords(dec: Decomposition, epoch: number): ResultInput[] {
  const { artifact, stats } = dec;
  const base = { layer: artifact.layer, epoch, seed: artifact.seed };
  const out: ResultInput[] = [{ ...base, index: 0, metric: "var_f", value: stats.varF }];
  for (let l = 1; l <= artifact.orders; l++) {
    out.push(
      { ...base, index: l, metric: "loss", value: artifact.loss[l - 1] },
      { ...base, index: l, metric: "rho", value: stats.rho[l - 1] },
      { ...base, index: l, metric: "var_phi", value: stats.varPhi[l - 1] },
      { ...base, index: l, metric: "var_residual", value: stats.varResidual[l - 1] },
    );
  }
  return out;
}

/** Options of `disentangle`: the disentanglers', their family, and the rows they train on. */
export const DISENTANGLE_OPTIONS = defineOptions({
  ...DISENTANGLER_OPTIONS,
  ...DISENTANGLER_NET_OPTIONS,
  pool: {
    type: "enum",
    choices: ["target", "all"],
    default: "target",
    description: "rows the disentanglers train on: target (the `samples` rows of the " +
      "network's own training set, on which the statistics are taken too) or all (every " +
      "row of the data set's full training set, subset switched off, as the authors did; " +
      "the statistics stay on the target's rows)",
  },
});

/** Validated values of {@link DISENTANGLE_OPTIONS}. */
export type DisentangleOptionValues = OptionValues<typeof DISENTANGLE_OPTIONS>;

/** The `disentangle` plugin. */
export const disentanglePlugin: Plugin = definePlugin({
  id: "disentangle",
  description: "Feature components of increasing complexity (Ren et al. 2021): " +
    "disentanglers Phi^(l) mimic a hidden feature; significance rho^(l) per order",
  options: DISENTANGLE_OPTIONS,
  consumes: ["run_start", "train_end", "feature"],
  emits: [
    { name: "loss", description: "distillation MSE of Phi^(l) on the training samples" },
    { name: "rho", description: "Var[c^(l)] / Var[f]: significance of the order-l component" },
    { name: "var_phi", description: "Var[Phi^(l)] / Var[f]" },
    { name: "var_residual", description: "Var[f - Phi^(l)] / Var[f]" },
    { name: "var_f", description: "Var[f] (index 0)" },
  ],
  presentation: COMPLEXITY_PRESENTATION,
  charts: [
    {
      id: "rho",
      title: "Distribution of feature complexity",
      type: "bar",
      x: { field: "index", label: "order l" },
      y: { metrics: ["rho"], label: "rho = Var[c(l)] / Var[f]" },
      groupBy: "seed",
    },
    {
      id: "explained",
      title: "Variance explained by Phi(l) and left in the residual",
      type: "line",
      x: { field: "index", label: "order l" },
      y: { metrics: ["var_phi", "var_residual"], label: "share of Var[f]" },
      groupBy: "metric",
    },
    {
      id: "loss",
      title: "Distillation loss per order",
      type: "line",
      x: { field: "index", label: "order l" },
      y: { metrics: ["loss"], label: "MSE", log: true },
      groupBy: "seed",
    },
  ],
  setup(ctx, options) {
    let spec: DataSpec | undefined;
    let pool: Promise<Dataset> | undefined;
    return {
      run_start: (e) => {
        spec = e.config.data;
      },
      train_end: async (e) => {
        if (options.pool === "all") pool ??= loadFullTraining(spec, e.seed, e.dataset);
        const dec = await disentangleModel(e, options, "disentangle", ctx.log, await pool);
        ctx.artifacts.set(disentangleKey(e.seed), dec.artifact);
        ctx.emit(disentangleRecords(dec, e.epochs));
      },
      feature: async (e) => {
        const o = disentanglerOptions(options, e.seed);
        const dec = await decomposeFeature(featureEventData(e), o, e.layer, e.seed, ctx.log);
        ctx.artifacts.set(disentangleKey(e.seed), dec.artifact);
        ctx.emit(disentangleRecords(dec, e.epoch));
      },
    };
  },
});
