/**
 * One entry point for every binning the `mi-binned` plugin offers: a grid
 * of edges with the reference's digitize semantics, fixed-width bins, or
 * adaptive equal-mass bins.
 *
 * @module
 */
import { adaptiveBins, quantileBoundaries } from "./adaptive_edges.ts";
import { sizeBins } from "./bin_size.ts";
import { referenceBins } from "./digitize.ts";

/** How values become bin codes. */
export type Binning =
  /** `edges[digitize(a, edges) - 1]` of the reference (see digitize.ts). */
  | { kind: "edges"; edges: Float32Array }
  /** `floor((a - origin) / size)` in float32 (see bin_size.ts). */
  | { kind: "size"; size: number; origin: number }
  /** `bins` equal-mass bins at the quantiles of these values (see adaptive_edges.ts). */
  | { kind: "adaptive"; bins: number };

/**
 * Writes the bin code of every value into `out`. Returns -1, or for `size`
 * bins the index of the first value whose code does not fit an int32.
 *
 * @example
 * ```ts
 * const out = new Int32Array(2);
 * binCodes(new Float32Array([-1, 1]), { kind: "edges", edges: referenceEdges() }, out); // out = [0, 29]
 * ```
 */
export function binCodes(values: Float32Array, binning: Binning, out: Int32Array): number {
  switch (binning.kind) {
    case "edges":
      referenceBins(binning.edges, values, out);
      return -1;
    case "size":
      return sizeBins(values, binning.size, binning.origin, out);
    case "adaptive":
      adaptiveBins(values, quantileBoundaries(values, binning.bins), out);
      return -1;
  }
}
