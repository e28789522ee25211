/**
 * KSG estimator 1 (ksg_mi.ts) with the samples' neighbour searches spread
 * over Web Workers: each worker builds the same k-d trees over all samples
 * and answers the counts of one contiguous range; the estimate is then
 * summed in sample order (ksgFromCounts), so it is the same double as
 * ksgMi's on one thread, whatever the number of workers.
 *
 * @module
 */
import { startWorkers } from "../../core/worker_rpc.ts";
import { checkKsgK, type KsgCounts, ksgFromCounts, ksgMi, type NeighbourMi } from "./ksg_mi.ts";

/** One worker's share: ksgNeighbourCounts' arguments. */
export interface KsgRangeJob {
  x: Float64Array;
  dx: number;
  y: Float64Array;
  dy: number;
  n: number;
  k: number;
  from: number;
  to: number;
}

/** Below this many samples the workers' start-up outweighs the search: one thread. */
export const KSG_PARALLEL_MIN_ROWS = 4096;

/**
 * ksgMi(x, dx, y, dy, n, k) on `workers` threads (1, or fewer than
 * {@link KSG_PARALLEL_MIN_ROWS} samples: on this one).
 *
 * @example
 * ```ts
 * const x = new Float64Array([0, 1, 3, 7, 15]);
 * (await ksgMiParallel(x, 1, x, 1, 5, 2, 2)).nats; // psi(5) - psi(2), as ksgMi
 * ```
 */
export async function ksgMiParallel(
  x: ArrayLike<number>,
  dx: number,
  y: ArrayLike<number>,
  dy: number,
  n: number,
  k: number,
  workers: number,
): Promise<NeighbourMi> {
  const w = Math.max(1, Math.min(Math.floor(workers), Math.floor(n / 2)));
  if (w <= 1 || n < KSG_PARALLEL_MIN_ROWS) return ksgMi(x, dx, y, dy, n, k);
  checkKsgK(k, n);
  const xs = Float64Array.from(x), ys = Float64Array.from(y);
  const rpc = startWorkers<KsgRangeJob, KsgCounts>(
    new URL("./ksg_worker.ts", import.meta.url).href,
    w,
    "KSG",
  );
  try {
    const parts = await Promise.all(
      Array.from({ length: w }, (_, i) => {
        const from = Math.floor((i * n) / w), to = Math.floor(((i + 1) * n) / w);
        return rpc.call(i, { x: xs, dx, y: ys, dy, n, k, from, to });
      }),
    );
    return ksgFromCounts(parts, n, k);
  } finally {
    rpc.terminate();
  }
}
