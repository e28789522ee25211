/**
 * A regression target for disentangler benchmarks: a fixed random linear
 * map of MNIST images (784 pixels) to `dim` values. A step's cost does not
 * depend on what is mimicked, so any target of the right shape will do.
 *
 * @module
 */
import type { Rng } from "../core/rng.ts";

/**
 * `n` rows of `dim` values: image i times a 784 x dim matrix of N(0, 1/28^2)
 * entries drawn from `rng`.
 *
 * @example
 * ```ts
 * const f = projectionTarget(data.xTrain, 512, 64, createRng(0, "bench-conv"));
 * ```
 */
export function projectionTarget(x: Float32Array, n: number, dim: number, rng: Rng): Float32Array {
  const proj = Float32Array.from({ length: 784 * dim }, () => rng.normal() / 28);
  const f = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 784; k++) {
      const v = x[i * 784 + k];
      if (v) { for (let j = 0; j < dim; j++) f[i * dim + j] += v * proj[k * dim + j]; }
    }
  }
  return f;
}
