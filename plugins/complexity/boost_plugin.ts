/**
 * `boost`: use the components instead of the feature ([Ren], docs/methods.md
 * section 10). The upper layers g stay frozen; f is replaced on the test
 * set by Phi^(l) = c^(1) + ... + c^(l) (the `disentangle` plugin's
 * disentangler of order l), and optionally by the sum of chosen
 * components. Emits (test set, index = l; index 0 = the original f):
 *
 * - `test_accuracy`, `test_loss` (mean cross-entropy, nats);
 * - `chosen_test_accuracy`, `chosen_test_loss` at index 0 when `components`
 *   lists orders (e.g. [1, 2, 3]: g(c^(1) + c^(2) + c^(3))).
 *
 * @module
 */
import { definePlugin } from "../../core/plugin_def.ts";
import { COMPLEXITY_PRESENTATION } from "./presentation.ts";
import { LensError } from "../../core/errors.ts";
import type { ModelHandle, Plugin, ResultInput } from "../../core/types.ts";
import { type DisentangleArtifact, featureUpper, readDisentangle } from "./artifact.ts";
import { buildPlayers, evaluateCoalitions } from "./coalitions.ts";

/**
 * Test accuracy and loss of g fed f, Phi^(1..L) and the sum of the
 * `chosen` orders' components; the records of `boost`.
 */
export async function boostRecords(
  model: ModelHandle,
  art: DisentangleArtifact,
  chosen: number[],
  epoch: number,
): Promise<ResultInput[]> {
  if (art.test.n === 0) {
    throw new LensError("the data set has no test samples", {
      code: "plugin",
      field: "boost",
      expected: "a data set with a test split",
    });
  }
  let chosenMask = 0;
  for (const l of chosen) {
    if (!Number.isInteger(l) || l < 1 || l > art.orders) {
      throw new LensError(`order ${l} does not exist`, {
        code: "config",
        field: "boost.components",
        expected: `orders from 1 to ${art.orders}`,
      });
    }
    chosenMask |= 1 << (l - 1);
  }
  const L = art.orders;
  // Players c^(1..L) and the residual (bit L): the full mask feeds f itself.
  const set = buildPlayers(art.test, "zero", true, []);
  const masks = [(1 << (L + 1)) - 1];
  for (let l = 1; l <= L; l++) masks.push((1 << l) - 1);
  if (chosenMask) masks.push(chosenMask);
  const s = await evaluateCoalitions(model, art.layer, set, masks);
  const base = { layer: art.layer, epoch, seed: art.seed };
  const out: ResultInput[] = [];
  for (let l = 0; l <= L; l++) {
    out.push(
      { ...base, index: l, metric: "test_accuracy", value: s.accuracy[l] },
      { ...base, index: l, metric: "test_loss", value: s.loss[l] },
    );
  }
  if (chosenMask) {
    out.push(
      { ...base, index: 0, metric: "chosen_test_accuracy", value: s.accuracy[L + 1] },
      { ...base, index: 0, metric: "chosen_test_loss", value: s.loss[L + 1] },
    );
  }
  return out;
}

/** The `boost` plugin. */
export const boostPlugin: Plugin = definePlugin({
  id: "boost",
  description: "Test accuracy and loss of the frozen upper layers fed Phi^(l) instead of " +
    "the feature (Ren et al. 2021)",
  options: {
    components: {
      type: "number[]",
      default: [],
      description: "orders whose components are summed and fed to g as well (empty: none)",
    },
  },
  consumes: ["train_end", "feature"],
  requires: ["disentangle"],
  emits: [
    { name: "test_accuracy", description: "test accuracy of g(Phi^(l)); index 0: g(f)" },
    {
      name: "test_loss",
      unit: "nats",
      description: "test cross-entropy of g(Phi^(l)); index 0: g(f)",
    },
    { name: "chosen_test_accuracy", description: "test accuracy of g(sum of chosen components)" },
    { name: "chosen_test_loss", unit: "nats", description: "test cross-entropy of the same" },
  ],
  presentation: COMPLEXITY_PRESENTATION,
  charts: [
    {
      id: "accuracy",
      title: "Test accuracy with f replaced by Phi(l) (0 = original)",
      type: "line",
      x: { field: "index", label: "order l" },
      y: { metrics: ["test_accuracy"], label: "test accuracy" },
      groupBy: "seed",
    },
    {
      id: "loss",
      title: "Test loss with f replaced by Phi(l) (0 = original)",
      type: "line",
      x: { field: "index", label: "order l" },
      y: { metrics: ["test_loss"], label: "cross-entropy (nats)" },
      groupBy: "seed",
    },
  ],
  setup(ctx, options) {
    const chosen = ((options.components ?? []) as number[]).map(Number);
    return {
      train_end: async (e) => {
        const art = readDisentangle(ctx, e.seed, "boost");
        ctx.emit(await boostRecords(e.model, art, chosen, e.epochs));
      },
      feature: async (e) => {
        const art = readDisentangle(ctx, e.seed, "boost");
        ctx.emit(await boostRecords(featureUpper(e, "boost"), art, chosen, e.epoch));
      },
    };
  },
});
