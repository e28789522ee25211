/**
 * A layer's deterministic binned encoder: every probe input's row of bin
 * codes is one symbol t (docs/methods.md section 2), using the information-plane
 * family's binning kernels (numpy digitize semantics on a float32
 * linspace grid).
 *
 * @module
 */
import { referenceBins } from "../infoplane/digitize.ts";
import { linspaceF32 } from "../infoplane/grid_edges.ts";
import { rowSymbols } from "../infoplane/row_symbols.ts";
import type { Activation } from "../../core/types.ts";

/** Symbol ids of a layer's rows and how many distinct symbols there are. */
export interface LayerSymbols {
  ids: Int32Array;
  count: number;
}

/**
 * Bins `a` on the grid float32 `linspace(lo, hi, bins)` (the reference:
 * -1, 1, 30) and gives each row's code vector a symbol id.
 *
 * @example
 * ```ts
 * const s = layerSymbols({ data: new Float32Array([0.1, 0.1, -0.9]), rows: 3, cols: 1 });
 * s.count; // 2
 * ```
 */
export function layerSymbols(a: Activation, bins = 30, lo = -1, hi = 1): LayerSymbols {
  const edges = linspaceF32(lo, hi, bins);
  const codes = new Int32Array(a.rows * a.cols);
  referenceBins(edges, a.data, codes);
  const ids = new Int32Array(a.rows);
  const count = rowSymbols(codes, a.rows, a.cols, ids);
  return { ids, count };
}
