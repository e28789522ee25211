/**
 * `ib-consistency`: how each layer's binned encoder compares with the IB
 * solutions of `ib-bound`'s curve, per layer, sampled epoch and seed.
 *
 * For each layer the binned encoder (grid float32 linspace(lo, hi, bins),
 * the reference -1, 1, 30, numpy digitize semantics, one symbol per
 * row of codes) is scored against the curve's joint with
 * {@link layerConsistency}: `beta_star` (argmin over the curve's betas of
 * E_x KL[p_layer(t|x) || p_beta(t|x)], p_beta the IB update on the
 * layer's own clusters; see that function for exactly what and why; ties
 * within rounding go to the smallest beta), `beta_star_lo` and
 * `beta_star_hi` (the ends of the grid range where KL is within `flatTol`
 * bits of its minimum: where KL is flat, beta* alone is an artefact of the
 * tie rule, and the range is what the data say), `kl_star` (that KL at beta*, bits), `layer_ixt` and `layer_ity` (the
 * layer's point under the curve's joint, bits; with soften = 0 these are
 * mi-binned's ixt and ity), and `gap`: the bound at the layer's I(X;T)
 * minus its I(T;Y) (bits), the bound being the concave envelope of the
 * curve and the origin, flat beyond its top ({@link concaveEnvelope}).
 *
 * @module
 */
import { definePlugin } from "../../core/plugin_def.ts";
import { INFOPLANE_TAB } from "../infoplane/presentation.ts";
import { LensError } from "../../core/errors.ts";
import type { Plugin } from "../../core/types.ts";
import { layerConsistency } from "./consistency.ts";
import { IB_CURVE_ARTIFACT } from "./curve_artifact.ts";
import { envelopeAt } from "./envelope.ts";
import { layerSymbols } from "./layer_symbols.ts";

/** The `ib-consistency` plugin. */
export const ibConsistencyPlugin: Plugin = definePlugin({
  id: "ib-consistency",
  description: "Fitted IB beta*, self-consistency KL and gap to the IB bound per layer and epoch",
  options: {
    bins: { type: "integer", default: 30, min: 2, description: "number of bin edges" },
    lo: { type: "number", default: -1, description: "lowest bin edge (as mi-binned's lo)" },
    hi: { type: "number", default: 1, description: "highest bin edge (as mi-binned's hi)" },
    flatTol: {
      type: "number",
      default: 1e-6,
      min: 0,
      description: "KL within this many bits of its minimum counts as flat (beta* range)",
    },
  },
  consumes: ["activations"],
  requires: ["ib-bound"],
  emits: [
    { name: "beta_star", description: "fitted IB trade-off parameter (grid argmin)" },
    {
      name: "beta_star_lo",
      description: "smallest grid beta with KL within flatTol bits of the minimum",
    },
    {
      name: "beta_star_hi",
      description: "largest grid beta with KL within flatTol bits of the minimum",
    },
    { name: "kl_star", unit: "bits", description: "E_x KL[p_layer(t|x) || p_beta*(t|x)]" },
    { name: "gap", unit: "bits", description: "IB bound at the layer's I(X;T) minus its I(T;Y)" },
    { name: "layer_ixt", unit: "bits", description: "layer's I(X;T) under the curve's joint" },
    { name: "layer_ity", unit: "bits", description: "layer's I(T;Y) under the curve's joint" },
  ],
  presentation: { tab: INFOPLANE_TAB },
  charts: [
    {
      id: "ib-plane",
      title: "Layers against the IB bound",
      type: "scatter",
      x: { metric: "layer_ixt", label: "I(X;T) (bits)" },
      y: { metrics: ["layer_ity"], label: "I(T;Y) (bits)" },
      groupBy: "layer",
      colorBy: "epoch",
      overlay: { plugin: "ib-bound", x: "ib_ixt", y: "ib_ity", label: "IB bound" },
    },
    {
      id: "ib-beta-star",
      title: "Fitted beta*",
      type: "line",
      x: { field: "epoch", label: "epoch", log: true },
      y: { metrics: ["beta_star_lo", "beta_star_hi"], label: "beta* range", log: true },
      groupBy: "layer",
    },
    {
      id: "ib-gap",
      title: "Gap below the IB bound",
      type: "line",
      x: { field: "epoch", label: "epoch", log: true },
      y: { metrics: ["gap"], label: "bits" },
      groupBy: "layer",
    },
  ],
  setup(ctx, options) {
    const bins = options.bins;
    const lo = options.lo;
    const hi = options.hi;
    const flatTol = options.flatTol;
    if (!(hi > lo)) {
      throw new LensError(`hi ${hi} is not above lo ${lo}`, {
        code: "config",
        field: "plugins.ib-consistency.hi",
        expected: "hi > lo",
      });
    }
    return {
      activations: (e) => {
        const art = ctx.artifacts.get(IB_CURVE_ARTIFACT);
        if (!art) {
          throw new LensError("the IB curve is missing", {
            code: "plugin",
            field: "ib-consistency",
            expected: "ib-bound to have traced its curve first",
          });
        }
        const betas = art.curve.points.map((p) => p.beta);
        for (const [layer, a] of e.cache) {
          if (a.rows !== art.joint.nx) {
            throw new LensError(
              `layer ${layer} has ${a.rows} rows but the IB joint has ${art.joint.nx} inputs`,
              {
                code: "data",
                file: art.source === "labels" ? undefined : art.source,
                field: "p(x,y)",
                expected: "one row of the joint per probe input",
              },
            );
          }
          for (let i = 0; i < a.data.length; i++) {
            if (!Number.isFinite(a.data[i])) {
              throw new LensError(
                `layer ${layer} at epoch ${e.epoch} has a non-finite activation`,
                {
                  code: "data",
                  field: layer,
                  expected: "finite activations",
                },
              );
            }
          }
          const s = layerSymbols(a, bins, lo, hi);
          const fit = layerConsistency(
            art.grouped,
            {
              kind: "ids",
              ids: s.ids,
              clusters: s.count,
            },
            betas,
            undefined,
            flatTol,
          );
          const gap = envelopeAt(art.envelope, fit.ixt) - fit.ity;
          const base = { layer, epoch: e.epoch, seed: e.seed };
          ctx.emit([
            { ...base, metric: "beta_star", value: fit.betaStar },
            { ...base, metric: "beta_star_lo", value: fit.betaStarLo },
            { ...base, metric: "beta_star_hi", value: fit.betaStarHi },
            { ...base, metric: "kl_star", value: fit.klStar },
            { ...base, metric: "gap", value: gap },
            { ...base, metric: "layer_ixt", value: fit.ixt },
            { ...base, metric: "layer_ity", value: fit.ity },
          ]);
        }
      },
    };
  },
});
