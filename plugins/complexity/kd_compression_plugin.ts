/**
 * `kd-compression`: feature complexity, reliability and Shapley
 * effectiveness / overfitting of a distilled and a compressed network side
 * by side with a baseline ([Ren], docs/methods.md section 10).
 *
 * At the first seed's `train_end` the run's network is the teacher. On its
 * training rows (`samples`, default all) this plugin trains, with its own
 * tfjs loop (student_train.ts), `networks` (K, default 3) students of each
 * kind, all dense with the teacher's hidden widths (its dense hook points;
 * `hidden` to choose, times `widthFactor`) and activation:
 *
 * - `baseline`: trained alone on the hard labels;
 * - `distilled`: the same initialisations trained on the teacher's soft
 *   targets at `temperature` (loss T^2 CE, mixed with `alpha` of the hard
 *   loss);
 * - `compressed`: each baseline magnitude-pruned to `sparsity` and/or with
 *   its hidden weight matrices reduced to `rank` (a fraction of full rank;
 *   0 = off), then fine-tuned on the hard labels for `finetuneEpochs` with
 *   pruned weights held at zero.
 *
 * Then, for each kind, on the first network (and all K for reliability),
 * at hook point `layer` (default: the students' last hidden layer) it runs
 * the same analyses as `disentangle`, `reliability`, `shapley-effectiveness`
 * and `shapley-overfitting` with this plugin's options, and emits every
 * record with `layer` = `baseline` | `distilled` | `compressed` (the hook
 * point is the same for all three), seed = the teacher's seed:
 *
 * - index 0: `test_accuracy`, `test_loss`, `weight_sparsity` of the network;
 * - disentangle: `loss`, `rho`, `var_phi`, `var_residual` (index l), `var_f`;
 * - reliability: `rho_reli`, `var_reliable`, `var_unreliable`, and as
 *   `reli_var_phi`, `reli_loss` its `var_phi`, `loss` (index l), `networks`;
 * - Shapley: `phi`, `phi_se`, `alpha_eff`, `v_total`, `phi_overfit`,
 *   `phi_overfit_se`, `alpha_overfit` (index l).
 *
 * The students take the teacher's activation (any of the registry in
 * core/model/activations.ts). For a CNN
 * teacher the students are MLPs with the CNN's dense widths.
 *
 * @module
 */
import { defineOptions, definePlugin, type OptionValues } from "../../core/plugin_def.ts";
import { COMPLEXITY_PRESENTATION } from "./presentation.ts";
import type { DenseParams } from "../../core/model/init.ts";
import type { Dataset, ModelHandle, Plugin, ResultInput } from "../../core/types.ts";
import { lowRank, magnitudePrune, weightSparsity } from "./compress.ts";
import { createDenseHandle } from "./dense_handle.ts";
import { isActivation } from "../../core/model/activations.ts";
import {
  captureFeature,
  decomposeFeature,
  disentangleRecords,
  inputSize,
} from "./disentangle_plugin.ts";
import {
  captureLayer,
  chooseRows,
  gatherLabels,
  gatherRows,
  resolveLayer,
} from "./feature_capture.ts";
import { DISENTANGLER_OPTIONS, disentanglerOptions } from "./options.ts";
import { reliability } from "./reliability_kernel.ts";
import { reliabilityRecords } from "./reliability_plugin.ts";
import { effectivenessRecords } from "./shapley_effectiveness_plugin.ts";
import { playShapley } from "./shapley_game.ts";
import { overfittingRecords } from "./shapley_overfitting_plugin.ts";
import { trainStudent } from "./student_train.ts";

/** Options of `kd-compression`. */
export const KD_OPTIONS = defineOptions({
  ...DISENTANGLER_OPTIONS,
  layer: {
    type: "string",
    default: "",
    description: "students' hook point analysed (empty: their last hidden layer)",
  },
  networks: { type: "integer", default: 3, min: 2, description: "students of each kind (K)" },
  hidden: {
    type: "number[]",
    default: [],
    description: "students' hidden widths (empty: the teacher's dense widths)",
  },
  widthFactor: { type: "number", default: 1, min: 0, description: "multiplies the hidden widths" },
  temperature: {
    type: "number",
    default: 4,
    min: 0,
    description: "temperature of the soft targets",
  },
  alpha: {
    type: "number",
    default: 0,
    min: 0,
    max: 1,
    description: "weight of the hard-label loss when distilling",
  },
  studentEpochs: { type: "integer", default: 20, min: 1, description: "student training epochs" },
  studentBatchSize: { type: "integer", default: 64, min: 1, description: "student batch size" },
  studentLr: { type: "number", default: 1e-3, min: 0, description: "student learning rate (Adam)" },
  sparsity: {
    type: "number",
    default: 0.5,
    min: 0,
    max: 1,
    description: "fraction of each weight matrix pruned by magnitude",
  },
  rank: {
    type: "number",
    default: 0,
    min: 0,
    max: 1,
    description: "low-rank factorisation of hidden weights, as a fraction of full rank (0: off)",
  },
  finetuneEpochs: {
    type: "integer",
    default: 2,
    min: 0,
    description: "fine-tuning epochs after compression",
  },
  baseline: {
    type: "enum",
    choices: ["zero", "mean"],
    default: "zero",
    description: "Shapley baseline for absent components",
  },
  residual: { type: "boolean", default: false, description: "residual as a Shapley player" },
  threshold: { type: "number", default: 0, min: 0, description: "reliability threshold (0: auto)" },
});

/** Validated values of {@link KD_OPTIONS}. */
export type KdOptionValues = OptionValues<typeof KD_OPTIONS>;

/** The three kinds of network compared. */
export const VARIANTS = ["baseline", "distilled", "compressed"] as const;

/** Mean cross-entropy and accuracy of a network on labelled inputs. */
export async function scoreNetwork(
  model: ModelHandle,
  x: Float32Array,
  y: Int32Array,
  n: number,
  inDim: number,
): Promise<{ loss: number; accuracy: number }> {
  const out = model.layers.find((l) => l.kind === "output")!;
  const p = await captureLayer(model, out.name, x, n, inDim);
  const k = p.cols;
  let loss = 0, acc = 0;
  for (let i = 0; i < n; i++) {
    const row = p.data.subarray(i * k, (i + 1) * k);
    loss -= Math.log(Math.max(row[y[i]], 1e-7));
    let best = 0;
    for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j;
    if (best === y[i]) acc++;
  }
  return { loss: n ? loss / n : NaN, accuracy: n ? acc / n : NaN };
}

/** Trains the K students of every kind; returns their parameters by kind. */
export async function trainVariants(
  teacher: ModelHandle,
  x: Float32Array,
  y: Int32Array,
  n: number,
  inDim: number,
  classes: number,
  o: KdOptionValues,
  runSeed: number,
  log?: (m: string) => void,
): Promise<{ sizes: number[]; activation: string; params: Record<string, DenseParams[]> }> {
  const dense = teacher.layers.filter((l) => l.kind === "dense");
  const given = o.hidden;
  const factor = o.widthFactor;
  const hidden = (given.length ? given : dense.map((l) => l.units)).map((w) =>
    Math.max(1, Math.round(w * factor))
  );
  const teacherAct = dense[0]?.activation ?? "relu";
  const activation = isActivation(teacherAct) ? teacherAct : "relu";
  const sizes = [inDim, ...hidden, classes];
  const outLayer = teacher.layers.find((l) => l.kind === "output")!;
  const soft = (await captureLayer(teacher, outLayer.name, x, n, inDim)).data;
  const K = o.networks;
  const common = {
    sizes,
    activation,
    epochs: o.studentEpochs,
    batchSize: o.studentBatchSize,
    lr: o.studentLr,
  };
  const params: Record<string, DenseParams[]> = { baseline: [], distilled: [], compressed: [] };
  for (let k = 0; k < K; k++) {
    const seed = runSeed * 1_000_003 + o.seed * 7919 + k;
    const base = await trainStudent(x, n, { labels: y, classes }, { ...common, seed });
    const dist = await trainStudent(
      x,
      n,
      {
        labels: y,
        classes,
        teacher: soft,
        temperature: o.temperature,
        alpha: o.alpha,
      },
      { ...common, seed },
    );
    let comp = base;
    const rank = o.rank;
    if (rank > 0) comp = lowRank(comp, rank);
    const sparsity = o.sparsity;
    let masks: Float32Array[] | undefined;
    if (sparsity > 0) ({ params: comp, masks } = magnitudePrune(comp, sparsity));
    const ft = o.finetuneEpochs;
    if (ft > 0) {
      comp = await trainStudent(x, n, { labels: y, classes }, {
        ...common,
        epochs: ft,
        seed: seed + 1,
        init: comp,
        masks,
      });
    }
    params.baseline.push(base);
    params.distilled.push(dist);
    params.compressed.push(comp);
    log?.(`students ${k + 1}/${K} trained`);
  }
  return { sizes, activation, params };
}

const RELIABILITY_RENAMES: Record<string, string | null> = {
  var_phi: "reli_var_phi",
  loss: "reli_loss",
  threshold: null,
};

/**
 * Trains the students of the three kinds from `teacher` on `dataset` and
 * runs the analyses on each; returns the records (layer = kind).
 */
export async function compareVariants(
  teacher: ModelHandle,
  dataset: Dataset,
  options: KdOptionValues,
  runSeed: number,
  epoch: number,
  log?: (m: string) => void,
): Promise<ResultInput[]> {
  const o = disentanglerOptions(options, runSeed);
  const inDim = inputSize(dataset.inputShape);
  const rows = chooseRows(dataset.nTrain, o.samples, o.seed, "disentangle-rows");
  const x = gatherRows(dataset.xTrain, inDim, rows);
  const y = gatherLabels(dataset.yTrain, rows);
  const { activation, params } = await trainVariants(
    teacher,
    x,
    y,
    rows.length,
    inDim,
    dataset.numClasses,
    options,
    runSeed,
    log,
  );
  const out: ResultInput[] = [];
  for (const kind of VARIANTS) {
    const models = params[kind].map((p, k) => createDenseHandle(p, activation, k));
    const relabel = (rs: ResultInput[], rename: Record<string, string | null> = {}) => {
      for (const r of rs) {
        const metric = r.metric in rename ? rename[r.metric] : r.metric;
        if (metric) out.push({ ...r, metric, layer: kind, seed: runSeed, epoch });
      }
    };
    const score = await scoreNetwork(models[0], dataset.xTest, dataset.yTest, dataset.nTest, inDim);
    relabel([
      {
        layer: kind,
        seed: runSeed,
        epoch,
        index: 0,
        metric: "test_accuracy",
        value: score.accuracy,
      },
      { layer: kind, seed: runSeed, epoch, index: 0, metric: "test_loss", value: score.loss },
      {
        layer: kind,
        seed: runSeed,
        epoch,
        index: 0,
        metric: "weight_sparsity",
        value: weightSparsity(params[kind][0]),
      },
    ]);
    const layer = resolveLayer(models[0].layers, o.layer, "kd-compression").name;
    const data = await captureFeature({ model: models[0], dataset }, layer, o.samples, o.seed);
    const dec = await decomposeFeature(data, o, layer, runSeed, log);
    relabel(disentangleRecords(dec, epoch));
    const targets = [{ f: data.f, dim: data.dim }];
    for (const m of models.slice(1)) {
      const f = await captureLayer(m, layer, data.x, data.n, inDim);
      targets.push({ f: f.data, dim: f.cols });
    }
    const rel = await reliability({ x: data.x, n: data.n, inDim, targets }, {
      ...o,
      trainLoops: 10,
      evalLoops: 5,
      threshold: options.threshold,
    });
    relabel(reliabilityRecords(rel, layer, runSeed, epoch, models.length), RELIABILITY_RENAMES);
    const sh = await playShapley(
      models[0],
      dec.artifact,
      {
        baseline: options.baseline,
        residual: options.residual,
        method: "auto",
        permutations: 200,
        seed: options.seed,
      },
      data.nTest > 0,
      new Map(),
    );
    relabel(effectivenessRecords(sh, dec.artifact, epoch));
    if (data.nTest > 0) relabel(overfittingRecords(sh, dec.artifact, epoch), { phi: null });
    log?.(`${kind}: analysed`);
  }
  return out;
}

/** The `kd-compression` plugin. */
export const kdCompressionPlugin: Plugin = definePlugin({
  id: "kd-compression",
  description: "Feature complexity, reliability and effectiveness of distilled and compressed " +
    "students side by side with a baseline (Ren et al. 2021)",
  options: KD_OPTIONS,
  consumes: ["train_end"],
  emits: [
    { name: "test_accuracy", description: "test accuracy of the kind's first network (index 0)" },
    { name: "test_loss", unit: "nats", description: "its test cross-entropy (index 0)" },
    { name: "weight_sparsity", description: "fraction of zero weights (index 0)" },
    { name: "rho", description: "Var[c^(l)] / Var[f] (as disentangle)" },
    { name: "loss", description: "distillation MSE of Phi^(l) (as disentangle)" },
    { name: "var_phi", description: "Var[Phi^(l)] / Var[f] (as disentangle)" },
    { name: "var_residual", description: "Var[f - Phi^(l)] / Var[f] (as disentangle)" },
    { name: "var_f", description: "Var[f] (index 0)" },
    { name: "rho_reli", description: "reliability (as reliability)" },
    { name: "var_reliable", description: "as reliability" },
    { name: "var_unreliable", description: "as reliability" },
    { name: "reli_var_phi", description: "reliability's var_phi" },
    { name: "reli_loss", description: "reliability's loss" },
    { name: "networks", description: "K students per kind (index 0)" },
    { name: "phi", unit: "nats", description: "Shapley value in v_train" },
    { name: "phi_se", unit: "nats", description: "its standard error" },
    { name: "alpha_eff", description: "phi / sqrt(Var c^(l))" },
    { name: "v_total", unit: "nats", description: "v_train(N) - v_train(empty)" },
    { name: "phi_overfit", unit: "nats", description: "Shapley value in v_overfit" },
    { name: "phi_overfit_se", unit: "nats", description: "its standard error" },
    { name: "alpha_overfit", description: "phi_overfit / phi" },
  ],
  presentation: COMPLEXITY_PRESENTATION,
  charts: [
    {
      id: "rho",
      title: "Feature complexity: baseline, distilled, compressed",
      type: "bar",
      x: { field: "index", label: "order l" },
      y: { metrics: ["rho"], label: "Var[c(l)] / Var[f]" },
      groupBy: "layer",
    },
    {
      id: "rho_reli",
      title: "Reliability: baseline, distilled, compressed",
      type: "bar",
      x: { field: "index", label: "order l" },
      y: { metrics: ["rho_reli"], label: "Var[reliable] / Var[Phi(l)]" },
      groupBy: "layer",
    },
    {
      id: "alpha_eff",
      title: "Effectiveness: baseline, distilled, compressed",
      type: "bar",
      x: { field: "index", label: "order l" },
      y: { metrics: ["alpha_eff"], label: "phi / sqrt(Var c(l))" },
      groupBy: "layer",
    },
    {
      id: "alpha_overfit",
      title: "Overfitting: baseline, distilled, compressed",
      type: "bar",
      x: { field: "index", label: "order l" },
      y: { metrics: ["alpha_overfit"], label: "phi_overfit / phi" },
      groupBy: "layer",
    },
  ],
  setup(ctx, options) {
    let done = false;
    return {
      train_end: async (e) => {
        if (done) return;
        done = true;
        ctx.emit(await compareVariants(e.model, e.dataset, options, e.seed, e.epochs, ctx.log));
      },
    };
  },
});
