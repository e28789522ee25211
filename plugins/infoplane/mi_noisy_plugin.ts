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
import { estimatorPresentation } from "./presentation.ts";
import { createRng } from "../../core/rng.ts";
import type { ActivationsEvent, OptionSpec, Plugin, PluginContext } from "../../core/types.ts";
import { checkedLayers } from "./check_inputs.ts";
import { MI_KDE_OPTIONS } from "./mi_kde_plugin.ts";
import { infoPlaneChart, LAYERS_OPTION, maxRowsOption } from "./plugin_parts.ts";
import { noisyMi } from "./noisy_mi.ts";
import { readOptions } from "./read_options.ts";
import { subsampleRows } from "./subsample_rows.ts";

const ID = "mi-noisy";

/** Declared options of `mi-noisy`. */
export const MI_NOISY_OPTIONS: Record<string, OptionSpec> = {
  noise_variance: {
    ...MI_KDE_OPTIONS.noise_variance,
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
  max_rows: maxRowsOption(0),
  layers: LAYERS_OPTION,
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
  presentation: estimatorPresentation(ID),
  charts: [
    infoPlaneChart(
      "infoplane-noisy",
      "Information plane (noisy network, Monte Carlo)",
      "I(X;T+Z)",
      "I(T+Z;Y)",
    ),
    {
      id: "noisy-se",
      title: "Monte Carlo standard errors (noisy network)",
      type: "line",
      x: { field: "epoch", label: "epoch", log: true },
      y: { metrics: ["ixt_se", "ity_se"], label: "standard error (bits)" },
      groupBy: "layer",
    },
  ],
  setup(ctx: PluginContext, raw: Record<string, unknown>) {
    const o = readOptions(raw, ID, MI_NOISY_OPTIONS);
    const s2 = o.noise_variance as number, samples = o.samples as number;
    const maxRows = o.max_rows as number, wanted = o.layers as string[];
    return {
      activations: (e: ActivationsEvent) => {
        for (const [layer, full] of checkedLayers(e, wanted, ID)) {
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
