/**
 * `shapley-effectiveness`: how much each feature component lowers the
 * training loss of the upper layers ([Ren], docs/methods.md section 9).
 *
 * Players are the components c^(1..L) of the `disentangle` plugin (plus the
 * residual as player L+1 with `residual: true`); v_train(S) =
 * L_train(empty) - L_train(S), L_train(S) the mean cross-entropy on the
 * disentangler's training samples of g fed the coalition's feature
 * (coalitions.ts: `baseline` zero or mean). Emits per order l (index = l):
 *
 * - `phi`: Shapley value phi_train^(l) (nats);
 * - `phi_se`: its standard error (0 when exact);
 * - `alpha_eff`: phi_train^(l) / sqrt(Var c^(l)) (effectiveness per unit
 *   of standard deviation of the component);
 *
 * and `v_total` = v_train(N) - v_train(empty) at index 0 (the efficiency
 * sum of the phi).
 *
 * @module
 */
import { definePlugin } from "../../core/plugin_def.ts";
import { COMPLEXITY_PRESENTATION } from "./presentation.ts";
import type { Plugin, ResultInput } from "../../core/types.ts";
import { type DisentangleArtifact, featureUpper, readDisentangle } from "./artifact.ts";
import {
  playShapley,
  SHAPLEY_OPTIONS,
  type ShapleyAnalysis,
  shapleyOptions,
} from "./shapley_game.ts";

/** The records of `shapley-effectiveness` for one analysis. */
export function effectivenessRecords(
  r: ShapleyAnalysis,
  art: DisentangleArtifact,
  epoch: number,
): ResultInput[] {
  const base = { layer: art.layer, epoch, seed: art.seed };
  const out: ResultInput[] = [{ ...base, index: 0, metric: "v_total", value: r.trainTotal }];
  for (let p = 0; p < r.players; p++) {
    const phi = r.train.phi[p];
    out.push(
      { ...base, index: p + 1, metric: "phi", value: phi },
      { ...base, index: p + 1, metric: "phi_se", value: r.train.se[p] },
      { ...base, index: p + 1, metric: "alpha_eff", value: phi / Math.sqrt(r.variance[p]) },
    );
  }
  return out;
}

/** The `shapley-effectiveness` plugin. */
export const shapleyEffectivenessPlugin: Plugin = definePlugin({
  id: "shapley-effectiveness",
  description: "Shapley value of each feature component for the training loss " +
    "and its effectiveness per unit of std (Ren et al. 2021)",
  options: SHAPLEY_OPTIONS,
  consumes: ["train_end", "feature"],
  requires: ["disentangle"],
  emits: [
    { name: "phi", unit: "nats", description: "Shapley value of c^(l) in v_train" },
    { name: "phi_se", unit: "nats", description: "standard error of phi (0 when exact)" },
    { name: "alpha_eff", description: "phi / sqrt(Var c^(l))" },
    { name: "v_total", unit: "nats", description: "v_train(N) - v_train(empty) (index 0)" },
  ],
  presentation: COMPLEXITY_PRESENTATION,
  charts: [
    {
      id: "alpha_eff",
      title: "Effectiveness of feature components",
      type: "bar",
      x: { field: "index", label: "order l" },
      y: { metrics: ["alpha_eff"], label: "phi_train / sqrt(Var c(l))" },
      groupBy: "seed",
    },
    {
      id: "phi",
      title: "Shapley value for the training loss",
      type: "bar",
      x: { field: "index", label: "order l" },
      y: { metrics: ["phi"], label: "phi_train (nats)" },
      groupBy: "seed",
    },
  ],
  setup(ctx, options) {
    const o = shapleyOptions(options);
    return {
      train_end: async (e) => {
        const art = readDisentangle(ctx, e.seed, "shapley-effectiveness");
        const r = await playShapley(e.model, art, o, false, ctx.artifacts);
        ctx.emit(effectivenessRecords(r, art, e.epochs));
      },
      feature: async (e) => {
        const art = readDisentangle(ctx, e.seed, "shapley-effectiveness");
        const upper = featureUpper(e, "shapley-effectiveness");
        const r = await playShapley(upper, art, o, false, ctx.artifacts);
        ctx.emit(effectivenessRecords(r, art, e.epoch));
      },
    };
  },
});
