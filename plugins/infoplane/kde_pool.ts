/**
 * Web Workers that compute KDE bounds (kde_worker.ts) so that the layers of
 * a sampled epoch, and the epochs that follow while training goes on, run
 * in parallel off the main thread. Each job goes to the worker with the
 * fewest jobs waiting; `drain` waits for every job sent so far and
 * `terminate` ends the workers (jobs still owed fail).
 *
 * @module
 */
import { startWorkers } from "../../core/worker_rpc.ts";
import type { KdeMi } from "./kde_mi.ts";

/** One layer's inputs to kdeMi; `data` and `labels` are handed over (transferred). */
export interface KdeJob {
  data: Float32Array;
  rows: number;
  cols: number;
  labels: Int32Array;
  numClasses: number;
  noiseVariance: number;
  blockSize: number;
}

/** A set of KDE workers. */
export interface KdePool {
  readonly size: number;
  /** Queues a job; resolves with its bounds. */
  run(job: KdeJob): Promise<KdeMi>;
  /** Resolves when every job sent so far has been answered (or failed). */
  drain(): Promise<void>;
  /** Ends the workers; jobs still owed fail. */
  terminate(): void;
}

let live = 0;

/** KDE workers started by this module and not yet terminated (for leak checks). */
export function liveKdeWorkers(): number {
  return live;
}

/**
 * Starts `size` KDE workers.
 *
 * @example
 * ```ts
 * const pool = createKdePool(2);
 * const r = await pool.run({ data, rows, cols, labels, numClasses: 2, noiseVariance: 0.1, blockSize: 64 });
 * pool.terminate();
 * ```
 */
export function createKdePool(size: number): KdePool {
  const url = new URL("./kde_worker.ts", import.meta.url).href;
  const rpc = startWorkers<KdeJob, KdeMi>(url, size, "KDE");
  live += size;
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  return {
    size,
    run(job) {
      let w = 0;
      for (let k = 1; k < size; k++) if (rpc.owed(k) < rpc.owed(w)) w = k;
      const p = rpc.call(w, job, [job.data.buffer, job.labels.buffer] as ArrayBuffer[]);
      const settled = p.then(() => {}, () => {}).finally(() => inFlight.delete(settled));
      inFlight.add(settled);
      return p;
    },
    async drain() {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
    terminate() {
      if (closed) return;
      closed = true;
      rpc.terminate();
      live -= size;
    },
  };
}
