/**
 * Binned mutual information of [SZT] (docs/methods.md section 2) from a layer's bin
 * codes and the labels.
 *
 * - I(X;T) = H(T) - H(T|X). A network layer is a deterministic function of
 *   its input, so H(T|X) = 0 and I(X;T) = H(T), whatever repeats the inputs
 *   have (repeated inputs give repeated rows, counted with their weight).
 *   When the rows of one input may differ (a stochastic layer, noise added
 *   at capture), pass `inputIds` (equal id = same input) and H(T|X) =
 *   H(T, X) - H(X) is subtracted; it costs two more hashing passes.
 * - I(T;Y) = H(T) - sum_y p(y) H(T | Y = y).
 *
 * All in bits; p(t) = counts / N over the N rows.
 *
 * @module
 */
import { entropyBits } from "./entropy.ts";
import { rowSymbols, symbolClassCounts } from "./row_symbols.ts";

/** Binned information-plane coordinates of one layer, in bits. */
export interface BinnedMi {
  ixt: number;
  ity: number;
  /** H(T). */
  hT: number;
}

/**
 * I(X;T) and I(T;Y) from bin codes (`rows x cols`, row-major, any integers)
 * and labels in `[0, numClasses)`.
 *
 * @example
 * ```ts
 * // two samples with distinct rows and distinct labels: 1 bit each
 * binnedMi(new Int32Array([0, 1]), 2, 1, new Int32Array([0, 1]), 2); // { ixt: 1, ity: 1, hT: 1 }
 * ```
 */
export function binnedMi(
  codes: Int32Array,
  rows: number,
  cols: number,
  labels: Int32Array,
  numClasses: number,
  inputIds?: Int32Array,
): BinnedMi {
  const ids = new Int32Array(rows);
  const symbols = rowSymbols(codes, rows, cols, ids);
  const counts = symbolClassCounts(ids, symbols, labels, numClasses);
  const totals = new Int32Array(symbols);
  const classTotals = new Int32Array(numClasses);
  for (let s = 0, i = 0; s < symbols; s++) {
    for (let y = 0; y < numClasses; y++, i++) {
      totals[s] += counts[i];
      classTotals[y] += counts[i];
    }
  }
  const hT = entropyBits(totals, 0, 1, symbols, rows);
  let hTgivenY = 0;
  for (let y = 0; y < numClasses; y++) {
    if (classTotals[y] === 0) continue;
    hTgivenY += (classTotals[y] / rows) *
      entropyBits(counts, y, numClasses, symbols, classTotals[y]);
  }
  let hTgivenX = 0;
  if (inputIds) {
    const xIds = new Int32Array(rows);
    const nx = rowSymbols(inputIds, rows, 1, xIds);
    const pairs = new Int32Array(2 * rows);
    for (let i = 0; i < rows; i++) {
      pairs[2 * i] = xIds[i];
      pairs[2 * i + 1] = ids[i];
    }
    const pairIds = new Int32Array(rows);
    const np = rowSymbols(pairs, rows, 2, pairIds);
    const hX = entropyBits(histogram(xIds, nx), 0, 1, nx, rows);
    const hTX = entropyBits(histogram(pairIds, np), 0, 1, np, rows);
    hTgivenX = Math.max(0, hTX - hX);
  }
  return { ixt: Math.max(0, hT - hTgivenX), ity: Math.max(0, hT - hTgivenY), hT };
}

/** Counts of ids in `[0, n)`. */
function histogram(ids: Int32Array, n: number): Int32Array {
  const c = new Int32Array(n);
  for (let i = 0; i < ids.length; i++) c[ids[i]]++;
  return c;
}
