/**
 * When a layer compresses relative to when it fits the label: from one
 * layer's I(X;T) and I(T;Y) series (seed means, ascending epochs), how
 * much of the fall of I(X;T) after its peak happens before I(T;Y) has
 * reached a given fraction of its final value. It tests the reading "the
 * layer loses I(X;T) while I(T;Y) stays near its end value": if most of the
 * compression comes before I(T;Y) is near its end value, that reading does
 * not hold.
 *
 * @module
 */

/** What {@link compressionTiming} finds; information in bits. */
export interface CompressionTiming {
  /** Epoch of the largest I(X;T) (the first one on ties). */
  peakEpoch: number;
  /** I(X;T) and I(T;Y) at the peak. */
  ixtPeak: number;
  ityPeak: number;
  /** I(X;T) and I(T;Y) at the last epoch. */
  ixtLast: number;
  ityLast: number;
  /** First epoch with I(T;Y) >= fraction * ityLast. */
  reachEpoch: number;
  /** I(X;T) at `reachEpoch`. */
  ixtAtReach: number;
  /** ixtPeak - ixtLast: the compression (<= 0: none). */
  compression: number;
  /**
   * Share of the compression done by `reachEpoch`:
   * max(0, ixtPeak - ixtAtReach) / compression when `reachEpoch` is after the peak, 0 when it is
   * at or before it; undefined without compression.
   */
  shareBeforeReach: number | undefined;
}

/**
 * Compression timing of one layer. `epochs` ascending, the three arrays of
 * one length >= 1, values finite.
 *
 * @example
 * ```ts
 * // I(X;T) 6 -> 8 (peak at 10) -> 4; I(T;Y) reaches 0.95 * 1.0 at epoch 100, where I(X;T) = 7
 * const t = compressionTiming([0, 10, 100, 1000], [6, 8, 7, 4], [0.1, 0.5, 0.96, 1.0]);
 * t.reachEpoch; // 100
 * t.shareBeforeReach; // 0.25 = (8 - 7) / (8 - 4)
 * ```
 */
export function compressionTiming(
  epochs: ArrayLike<number>,
  ixt: ArrayLike<number>,
  ity: ArrayLike<number>,
  fraction = 0.95,
): CompressionTiming {
  const n = epochs.length;
  if (n < 1 || ixt.length !== n || ity.length !== n) {
    throw new RangeError(
      `compressionTiming: epochs, ixt and ity need one length >= 1, got ${n}, ${ixt.length}, ` +
        `${ity.length}`,
    );
  }
  let peak = 0;
  for (let i = 1; i < n; i++) if (ixt[i] > ixt[peak]) peak = i;
  const last = n - 1;
  let reach = last;
  for (let i = 0; i < n; i++) {
    if (ity[i] >= fraction * ity[last]) {
      reach = i;
      break;
    }
  }
  const compression = ixt[peak] - ixt[last];
  let share: number | undefined;
  if (compression > 0) {
    share = reach > peak ? Math.max(0, ixt[peak] - ixt[reach]) / compression : 0;
  }
  return {
    peakEpoch: epochs[peak],
    ixtPeak: ixt[peak],
    ityPeak: ity[peak],
    ixtLast: ixt[last],
    ityLast: ity[last],
    reachEpoch: epochs[reach],
    ixtAtReach: ixt[reach],
    compression,
    shareBeforeReach: share,
  };
}
