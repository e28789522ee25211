/**
 * `mi-noisy`: the information plane of the noisy layer T + Z, Z ~ N(0, s2
 * I), estimated by Monte Carlo with standard errors (Goldfeld et al. 2019;
 * noisy_mi.ts). Each probe row is one input (atom of X); I(X; T+Z) =
 * h(T+Z) - h(Z) and I(T+Z; Y) = h(T+Z) - sum_y p(y) h(T+Z | y), both from
 * the same draws. The value lies between mi-kde's bounds at the same s2
 * (up to its standard error). Cost O(samples x rows x d) per layer.
 *
 * @module
 */
import { createRng } from "../../core/rng.ts";
import type { ActivationsEvent, OptionSpec, Plugin, PluginContext } from "../../core/types.ts";
import { assertFinite, assertLabels, selectLayers } from "./check_inputs.ts";
import { noisyMi } from "./noisy_mi.ts";
import { readOptions } from "./read_options.ts";
import { subsampleRows } from "./subsample_rows.ts";

const ID = "mi-noisy";

/** Declared options of `mi-noisy`. */
export const MI_NOISY_OPTIONS: Record<string, OptionSpec> = {
  noise_variance: {
    type: "number",
    default: 0.1,
    min: 1e-12,
    description: "Variance s2 of the Gaussian noise added to the layer (as mi-kde's; 0.1 there " +
      "too by default, so the two compare)",
  },
  samples: {
    type: "integer",
    default: 0,
    min: 0,
    description: "Monte Carlo draws per layer and epoch; 0 = one per row used. The standard " +
      "error falls as 1/sqrt(samples)",
  },
  max_rows: {
    type: "integer",
    default: 0,
    min: 0,
    description: "Rows used, a fixed seeded subset per seed (bounds the cost; ixt is then at " +
      "most log2 max_rows); 0 = all",
  },
  layers: {
    type: "string[]",
    default: [],
    description: "Hook points to analyse (e.g. [dense_1, output]); empty = all",
  },
};

/** The `mi-noisy` plugin. */
export const miNoisyPlugin: Plugin = {
  id: ID,
  description: "I(X;T+Z) and I(T+Z;Y) of the noisy layer by Monte Carlo, with standard errors " +
    "(Goldfeld et al. 2019)",
  options: MI_NOISY_OPTIONS,
  consumes: ["activations"],
  emits: [
    { name: "ixt", unit: "bits", description: "I(X; T+Z) = h(T+Z) - h(Z)" },
    { name: "ity", unit: "bits", description: "I(T+Z; Y) from the class-conditional mixtures" },
    { name: "ixt_se", unit: "bits", description: "Monte Carlo standard error of ixt" },
    { name: "ity_se", unit: "bits", description: "Monte Carlo standard error of ity" },
  ],
  charts: [{
    id: "infoplane-noisy",
    title: "Information plane (noisy network, Monte Carlo)",
    type: "scatter",
    x: { metric: "ixt", label: "I(X;T+Z) (bits)" },
    y: { metrics: ["ity"], label: "I(T+Z;Y) (bits)" },
    groupBy: "layer",
    colorBy: "epoch",
  }, {
    id: "noisy-se",
    title: "Monte Carlo standard errors (noisy network)",
    type: "line",
    x: { field: "epoch", label: "epoch", log: true },
    y: { metrics: ["ixt_se", "ity_se"], label: "standard error (bits)" },
    groupBy: "layer",
  }],
  setup(ctx: PluginContext, raw: Record<string, unknown>) {
    const o = readOptions(raw, ID, MI_NOISY_OPTIONS);
    const s2 = o.noise_variance as number, samples = o.samples as number;
    const maxRows = o.max_rows as number, wanted = o.layers as string[];
    return {
      activations: (e: ActivationsEvent) => {
        const layers = selectLayers(e.cache, wanted, ID);
        for (const [layer, a] of layers) {
          const at = { plugin: ID, layer, epoch: e.epoch, seed: e.seed };
          assertLabels(a, e.labels, e.numClasses, at);
          assertFinite(a, at);
        }
        for (const [layer, full] of layers) {
          const { a, labels } = subsampleRows(full, e.labels, maxRows, e.seed);
          const inputs = new Int32Array(a.rows);
          for (let i = 0; i < a.rows; i++) inputs[i] = i;
          const rng = createRng(e.seed, `${ID}:${layer}:${e.epoch}`);
          const m = samples > 0 ? samples : Math.max(2, a.rows);
          const [ixt, ity] = noisyMi(a.data, a.rows, a.cols, [inputs, labels], s2, m, rng);
          const rec = { layer, epoch: e.epoch, seed: e.seed };
          ctx.emit([
            { ...rec, metric: "ixt", value: ixt.bits },
            { ...rec, metric: "ity", value: ity.bits },
            { ...rec, metric: "ixt_se", value: ixt.se },
            { ...rec, metric: "ity_se", value: ity.se },
          ]);
        }
      },
    };
  },
};
