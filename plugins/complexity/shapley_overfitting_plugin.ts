/**
 * `shapley-overfitting`: how much each feature component contributes to
 * the gap between test and training loss ([Ren], docs/methods.md section 9).
 *
 * v_overfit(S) = L_test(S) - L_train(S) with the coalition losses of
 * coalitions.ts (training: the disentangler's training samples; test: the
 * whole test set). Emits per order l (index = l):
 *
 * - `phi_overfit`: Shapley value of c^(l) in v_overfit (nats);
 * - `phi_overfit_se`: its standard error (0 when exact);
 * - `alpha_overfit`: phi_overfit^(l) / phi_train^(l) (phi_train from the same
 *   coalitions, as in `shapley-effectiveness`);
 * - `phi`: phi_train^(l), for reference.
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

/** The records of `shapley-overfitting` for one analysis (made with the overfitting game). */
export function overfittingRecords(
  r: ShapleyAnalysis,
  art: DisentangleArtifact,
  epoch: number,
): ResultInput[] {
  const base = { layer: art.layer, epoch, seed: art.seed };
  const out: ResultInput[] = [];
  for (let p = 0; p < r.players; p++) {
    const po = r.overfit!.phi[p];
    out.push(
      { ...base, index: p + 1, metric: "phi_overfit", value: po },
      { ...base, index: p + 1, metric: "phi_overfit_se", value: r.overfit!.se[p] },
      { ...base, index: p + 1, metric: "alpha_overfit", value: po / r.train.phi[p] },
      { ...base, index: p + 1, metric: "phi", value: r.train.phi[p] },
    );
  }
  return out;
}

/** The `shapley-overfitting` plugin. */
export const shapleyOverfittingPlugin: Plugin = definePlugin({
  id: "shapley-overfitting",
  description: "Shapley value of each feature component for the test-train loss gap " +
    "and its ratio to the training-loss value (Ren et al. 2021)",
  options: SHAPLEY_OPTIONS,
  consumes: ["train_end", "feature"],
  requires: ["disentangle"],
  emits: [
    { name: "phi_overfit", unit: "nats", description: "Shapley value of c^(l) in v_overfit" },
    { name: "phi_overfit_se", unit: "nats", description: "standard error of phi_overfit" },
    { name: "alpha_overfit", description: "phi_overfit / phi_train" },
    { name: "phi", unit: "nats", description: "phi_train of the same coalitions" },
  ],
  presentation: COMPLEXITY_PRESENTATION,
  charts: [
    {
      id: "alpha_overfit",
      title: "Overfitting of feature components",
      type: "bar",
      x: { field: "index", label: "order l" },
      y: { metrics: ["alpha_overfit"], label: "phi_overfit / phi_train" },
      groupBy: "seed",
    },
  ],
  setup(ctx, options) {
    const o = shapleyOptions(options);
    return {
      train_end: async (e) => {
        const art = readDisentangle(ctx, e.seed, "shapley-overfitting");
        const r = await playShapley(e.model, art, o, true, ctx.artifacts);
        ctx.emit(overfittingRecords(r, art, e.epochs));
      },
      feature: async (e) => {
        const art = readDisentangle(ctx, e.seed, "shapley-overfitting");
        const upper = featureUpper(e, "shapley-overfitting", true);
        const r = await playShapley(upper, art, o, true, ctx.artifacts);
        ctx.emit(overfittingRecords(r, art, e.epoch));
      },
    };
  },
});
