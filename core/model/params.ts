/**
 * Initial parameters of a planned model for one seed, drawn with
 * core/model/init.ts so the tfjs models and the fused kernel start from the
 * same numbers.
 *
 * Draw order on the seed's `init` stream:
 * 1. the dense layers (`dense_1` .. `output`), exactly as
 *    `initDense(seed, [units in, ...widths, classes], scheme)` draws them
 *    (for an MLP this is `initDense` itself; for a CNN "units in" is the
 *    `flatten` width);
 * 2. then, CNNs only, the conv kernels `conv_1`, `conv_2`, ... from the same
 *    stream, each in tfjs's `[k, k, in, out]` storage order, with fan-in
 *    `k*k*in` and fan-out `k*k*out`.
 *
 * Biases are zero under both schemes.
 *
 * @module
 */
import { createRng } from "../rng.ts";
import { initDense, type InitScheme, initWeights } from "./init.ts";
import type { ModelPlan } from "./architecture.ts";
import type { LayerParams } from "../types.ts";

/** Weights of one hook point (defined in core/types.ts). */
export type { LayerParams };

/**
 * Initial weights of every hook point with weights, in hook order.
 *
 * @example
 * ```ts
 * const p = initialParams(planModel(spec, [12], 2), 0, "reference");
 * p[0].name; // "dense_1"
 * ```
 */
export function initialParams(plan: ModelPlan, seed: number, scheme: InitScheme): LayerParams[] {
  const weighted = plan.hooks.filter((h) => h.kernelShape);
  const dense = weighted.filter((h) => h.kernelShape!.length === 2);
  const conv = weighted.filter((h) => h.kernelShape!.length === 4);
  const sizes = [dense[0].kernelShape![0], ...dense.map((h) => h.kernelShape![1])];
  const byName = new Map<string, LayerParams>();
  if (conv.length === 0) {
    const p = initDense(seed, sizes, scheme);
    dense.forEach((h, k) => {
      byName.set(h.info.name, {
        name: h.info.name,
        kernelShape: h.kernelShape!,
        kernel: p.w[k],
        bias: p.b[k],
      });
    });
  } else {
    // same draws as initDense for the dense part, then the conv kernels
    const rng = createRng(seed, "init");
    for (const h of dense) {
      const [fanIn, fanOut] = h.kernelShape!;
      byName.set(h.info.name, {
        name: h.info.name,
        kernelShape: h.kernelShape!,
        kernel: initWeights(fanIn * fanOut, fanIn, fanOut, scheme, rng),
        bias: new Float32Array(fanOut),
      });
    }
    for (const h of conv) {
      const [k, , cin, cout] = h.kernelShape!;
      byName.set(h.info.name, {
        name: h.info.name,
        kernelShape: h.kernelShape!,
        kernel: initWeights(k * k * cin * cout, k * k * cin, k * k * cout, scheme, rng),
        bias: new Float32Array(cout),
      });
    }
  }
  return weighted.map((h) => byName.get(h.info.name)!);
}
