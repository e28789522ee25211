/**
 * Weight initialisation shared by every trainer, so that the fused kernel
 * and the tfjs models start from the same numbers for the same seed.
 *
 * @module
 */
import { createRng, type Rng, truncatedNormal } from "../rng.ts";

/** `reference`: truncated normal (redraw beyond 2 sd), sd 1/sqrt(fan_in); `tfjs`: Glorot uniform. */
export type InitScheme = "reference" | "tfjs";

/**
 * Fills a weight tensor of `size` values (any layout) with fan-in `fanIn`
 * and fan-out `fanOut`, drawing from `rng` in storage order.
 */
export function initWeights(
  size: number,
  fanIn: number,
  fanOut: number,
  scheme: InitScheme,
  rng: Rng,
): Float32Array {
  const w = new Float32Array(size);
  if (scheme === "reference") {
    const sd = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < size; i++) w[i] = truncatedNormal(rng, sd);
  } else {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < size; i++) w[i] = (2 * rng.next() - 1) * limit;
  }
  return w;
}

/** Weights and biases of a stack of dense layers. */
export interface DenseParams {
  /** Layer sizes, input first, e.g. `[12, 10, 7, 5, 4, 3, 2]`. */
  sizes: number[];
  /** `w[k]` is `[sizes[k], sizes[k+1]]`, row-major (input index major). */
  w: Float32Array[];
  /** `b[k]` has `sizes[k+1]` zeros. */
  b: Float32Array[];
}

/**
 * Initial parameters of an MLP for one seed, layer by layer from the
 * seed's `init` stream.
 *
 * @example
 * ```ts
 * const p = initDense(0, [12, 10, 7, 5, 4, 3, 2], "reference");
 * p.w[0].length; // 120
 * ```
 */
export function initDense(seed: number, sizes: number[], scheme: InitScheme): DenseParams {
  const rng = createRng(seed, "init");
  const w: Float32Array[] = [];
  const b: Float32Array[] = [];
  for (let k = 0; k + 1 < sizes.length; k++) {
    w.push(initWeights(sizes[k] * sizes[k + 1], sizes[k], sizes[k + 1], scheme, rng));
    b.push(new Float32Array(sizes[k + 1]));
  }
  return { sizes, w, b };
}
