/**
 * `reliability`: how much of each order's disentangled feature the run's
 * networks share ([Ren], docs/methods.md section 8; procedure in
 * reliability_kernel.ts).
 *
 * The K networks are the run's first `networks` seeds (default 3, the
 * first being the target): their handles are kept at `train_end` and the
 * analysis runs at `run_end`. Each seed trains on its own data set (with a
 * `subset`, its own class-balanced draw), so the peers differ from the
 * target in initialisation, batch order and training rows. With
 * `peers: full` the peers are instead K - 1 reference networks of the
 * run's model and training settings that the plugin trains at `run_end` on
 * the whole training set (subset switched off; seeds target + 1 .. K - 1,
 * `peerEpochs` epochs), the authors' setting (they compared with ResNet-44s
 * trained on all of CIFAR-10). Every network's feature at hook point `layer`
 * is captured on the target's training inputs (`samples` of them, default
 * all). Emits, for the target seed, per order l (index = l):
 *
 * - `rho_reli`: Var[reliable] / Var[Phi^(l)];
 * - `var_phi`, `var_reliable`, `var_unreliable`: Var[Phi^(l)], Var[reliable],
 *   Var[Phi^(l) - reliable] as shares of Var[f];
 * - `loss`: distillation MSE of the target's head (standardised units);
 *
 * and `networks` (K used) and `threshold` at index 0. A `feature` event
 * (`lens features`) brings its target and peers: they are compared on every
 * training row it brings. With fewer seeds than
 * `networks` it uses all of them (at least 2) and says so in the log.
 *
 * @module
 */
import { defineOptions, definePlugin, type OptionValues } from "../../core/plugin_def.ts";
import { COMPLEXITY_PRESENTATION } from "./presentation.ts";
import { LensError } from "../../core/errors.ts";
import type {
  FeatureEvent,
  ModelHandle,
  Plugin,
  ResultInput,
  RunConfig,
  TrainEndEvent,
} from "../../core/types.ts";
import { inputSize } from "./disentangle_plugin.ts";
import { captureLayer, chooseRows, gatherRows, resolveLayer } from "./feature_capture.ts";
import { DISENTANGLER_OPTIONS, disentanglerOptions } from "./options.ts";
import { loadFullTraining } from "./full_training_set.ts";
import { trainReferenceNetworks } from "./reference_networks.ts";
import { reliability, type ReliabilityResult } from "./reliability_kernel.ts";

/** Reliability options beyond the disentangler's. */
export const RELIABILITY_OPTIONS = defineOptions({
  ...DISENTANGLER_OPTIONS,
  networks: {
    type: "integer",
    default: 3,
    min: 2,
    description: "K: networks compared (the run's first K seeds; the first is the target)",
  },
  trainLoops: {
    type: "integer",
    default: 10,
    min: 1,
    description: "loops of h <- mean_k g_k(A_k h) the g maps are fit on",
  },
  evalLoops: {
    type: "integer",
    default: 5,
    min: 1,
    description: "loops from h = Phi(x) to the reliable h*",
  },
  peers: {
    type: "enum",
    choices: ["seeds", "full"],
    default: "seeds",
    description: "the networks the target is compared with: seeds (the run's seeds 2..K, " +
      "each trained on its own draw of the data, e.g. another class-balanced subset) or " +
      "full (K - 1 reference networks of the run's model and training settings, trained " +
      "here on the whole training set, the authors' setting)",
  },
  peerEpochs: {
    type: "integer",
    default: 0,
    min: 0,
    description: "epochs of the reference networks of peers: full (0: the run's epochs)",
  },
  threshold: {
    type: "number",
    default: 0,
    min: 0,
    description: "variance share below which a network's feature direction is not " +
      "reconstructible (0: twice the chance level, 2 (sqrt(d_1) + sqrt(d_k))^2 / n)",
  },
});

/** Validated values of {@link RELIABILITY_OPTIONS}. */
export type ReliabilityOptionValues = OptionValues<typeof RELIABILITY_OPTIONS>;

/**
 * Reliability of `models[0]`'s feature against the other models, on the
 * target's training inputs from `dataset`.
 */
export async function reliabilityOfModels(
  models: ModelHandle[],
  dataset: TrainEndEvent["dataset"],
  options: ReliabilityOptionValues,
  runSeed: number,
  plugin: string,
  log?: (m: string) => void,
): Promise<{ layer: string; result: ReliabilityResult }> {
  const o = disentanglerOptions(options, runSeed);
  const info = resolveLayer(models[0].layers, o.layer, plugin);
  const inDim = inputSize(dataset.inputShape);
  const rows = chooseRows(dataset.nTrain, o.samples, o.seed, "disentangle-rows");
  const x = gatherRows(dataset.xTrain, inDim, rows);
  const targets = [];
  for (const m of models) {
    const f = await captureLayer(m, info.name, x, rows.length, inDim);
    targets.push({ f: f.data, dim: f.cols });
  }
  const result = await reliabilityOfTargets(
    { x, n: rows.length, inDim, targets },
    options,
    o,
    info.name,
    log,
  );
  return { layer: info.name, result };
}

/** The reliability kernel on `input` with the plugin's options (`o`: their disentangler part). */
function reliabilityOfTargets(
  input: Parameters<typeof reliability>[0],
  options: ReliabilityOptionValues,
  o: ReturnType<typeof disentanglerOptions>,
  layer: string,
  log?: (m: string) => void,
): Promise<ReliabilityResult> {
  const t0 = performance.now();
  return reliability(input, {
    ...o,
    trainLoops: options.trainLoops,
    evalLoops: options.evalLoops,
    threshold: options.threshold,
    onOrder: (l, r) =>
      log?.(
        `${layer}: order ${l}/${o.orders} rho_reli ${r.toFixed(3)} ` +
          `(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      ),
  });
}

/**
 * Reliability of a {@link FeatureEvent}'s feature (the target) against its
 * peers, on every training row; a clear error when it brings no peers.
 */
export async function reliabilityOfFeature(
  e: FeatureEvent,
  options: ReliabilityOptionValues,
  log?: (m: string) => void,
): Promise<{ layer: string; result: ReliabilityResult; networks: number }> {
  if (!e.peers.length) {
    throw new LensError("the feature came without peers; reliability compares networks", {
      code: "plugin",
      field: "peers",
      expected: "the same feature of one or more other networks",
    });
  }
  const n = e.train.n;
  const targets = [
    { f: e.train.f, dim: e.dim },
    ...e.peers.map((f, k) => {
      if (f.length % n !== 0) {
        throw new LensError(`peers[${k}] has ${f.length} values`, {
          code: "data",
          field: `peers[${k}]`,
          expected: `a multiple of ${n} (one row per training sample)`,
        });
      }
      return { f, dim: f.length / n };
    }),
  ];
  const result = await reliabilityOfTargets(
    { x: e.train.x, n, inDim: e.inDim, targets },
    options,
    disentanglerOptions(options, e.seed),
    e.layer,
    log,
  );
  return { layer: e.layer, result, networks: targets.length };
}

/** The records of `reliability` for one result. */
export function reliabilityRecords(
  result: ReliabilityResult,
  layer: string,
  seed: number,
  epoch: number,
  networks: number,
): ResultInput[] {
  const base = { layer, epoch, seed };
  const out: ResultInput[] = [
    { ...base, index: 0, metric: "networks", value: networks },
    { ...base, index: 0, metric: "threshold", value: result.threshold[0] },
  ];
  result.rhoReli.forEach((r, i) => {
    const index = i + 1;
    out.push(
      { ...base, index, metric: "rho_reli", value: r },
      { ...base, index, metric: "var_phi", value: result.varPhi[i] },
      { ...base, index, metric: "var_reliable", value: result.varReliable[i] },
      { ...base, index, metric: "var_unreliable", value: result.varUnreliable[i] },
      { ...base, index, metric: "loss", value: result.loss[i][0] },
    );
  });
  return out;
}

/** The `reliability` plugin. */
export const reliabilityPlugin: Plugin = definePlugin({
  id: "reliability",
  description: "Reliability of feature components (Ren et al. 2021): the share of Phi^(l) " +
    "that the run's first K networks have in common",
  options: RELIABILITY_OPTIONS,
  consumes: ["run_start", "train_end", "run_end", "feature"],
  emits: [
    { name: "rho_reli", description: "Var[reliable part of Phi^(l)] / Var[Phi^(l)]" },
    { name: "var_phi", description: "Var[Phi^(l)] / Var[f] (joint model)" },
    { name: "var_reliable", description: "Var[reliable part] / Var[f]" },
    { name: "var_unreliable", description: "Var[Phi^(l) - reliable part] / Var[f]" },
    { name: "loss", description: "distillation MSE of the target's head (standardised f)" },
    { name: "networks", description: "K networks compared (index 0)" },
    { name: "threshold", description: "variance threshold of the target's g fit (index 0)" },
  ],
  presentation: COMPLEXITY_PRESENTATION,
  charts: [
    {
      id: "rho_reli",
      title: "Reliability of feature components",
      type: "bar",
      x: { field: "index", label: "order l" },
      y: { metrics: ["rho_reli"], label: "Var[reliable] / Var[Phi(l)]" },
      groupBy: "layer",
    },
    {
      id: "parts",
      title: "Reliable and unreliable parts",
      type: "line",
      x: { field: "index", label: "order l" },
      y: { metrics: ["var_phi", "var_reliable", "var_unreliable"], label: "share of Var[f]" },
      groupBy: "metric",
    },
  ],
  setup(ctx, options) {
    const feature = async (e: FeatureEvent) => {
      const { layer, result, networks } = await reliabilityOfFeature(e, options, ctx.log);
      ctx.emit(reliabilityRecords(result, layer, e.seed, e.epoch, networks));
    };
    const want = options.networks;
    const seen: TrainEndEvent[] = [];
    let config: RunConfig | undefined;
    if (options.peers === "full") {
      return {
        feature,
        run_start: (e) => {
          config = e.config;
        },
        train_end: (e) => {
          if (!seen.length) seen.push(e);
        },
        run_end: async () => {
          const target = seen[0];
          if (!target) return; // no seed finished training (interrupted): nothing to compare
          if (!config?.model) {
            throw new LensError("peers: full needs the run's model and training settings", {
              code: "config",
              field: "reliability.peers",
              expected: "a training run (lens run), or peers: seeds",
            });
          }
          const full = await loadFullTraining(config.data, target.seed, target.dataset);
          const seeds = Array.from({ length: want - 1 }, (_, k) => target.seed + 1 + k);
          const refs = await trainReferenceNetworks(
            config,
            full,
            seeds,
            options.peerEpochs,
            ctx.log,
          );
          try {
            const { layer, result } = await reliabilityOfModels(
              [target.model, ...refs.models],
              target.dataset,
              options,
              target.seed,
              "reliability",
              ctx.log,
            );
            ctx.emit(reliabilityRecords(result, layer, target.seed, target.epochs, want));
          } finally {
            refs.dispose();
          }
        },
      };
    }
    return {
      feature,
      train_end: (e) => {
        if (seen.length < want) seen.push(e);
      },
      run_end: async () => {
        if (seen.length < 2) {
          throw new LensError(`the run has ${seen.length} seed(s); reliability compares networks`, {
            code: "config",
            field: "seeds",
            expected: "at least 2 seeds (3 by default)",
          });
        }
        if (seen.length < want) {
          ctx.log(
            `only ${seen.length} seeds: comparing ${seen.length} networks instead of ${want}`,
          );
        }
        const target = seen[0];
        const { layer, result } = await reliabilityOfModels(
          seen.map((s) => s.model),
          target.dataset,
          options,
          target.seed,
          "reliability",
          ctx.log,
        );
        ctx.emit(reliabilityRecords(result, layer, target.seed, target.epochs, seen.length));
      },
    };
  },
});
