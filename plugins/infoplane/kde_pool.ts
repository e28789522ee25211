/**
 * Web Workers that compute KDE bounds (kde_worker.ts) so that the layers of
 * a sampled epoch, and the epochs that follow while training goes on, run
 * in parallel off the main thread. Each job goes to the worker with the
 * fewest jobs waiting; `drain` waits for every job sent so far and
 * `terminate` ends the workers (jobs still owed fail).
 *
 * @module
 */
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

interface Pending {
  resolve(v: KdeMi): void;
  reject(e: Error): void;
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
  const pending: Map<number, Pending>[] = [];
  const workers: Worker[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let nextId = 1;
  let closed = false;
  const failAll = (w: number, e: Error) => {
    for (const p of pending[w].values()) p.reject(e);
    pending[w].clear();
  };
  for (let w = 0; w < size; w++) {
    const worker = new Worker(url, { type: "module" });
    live++;
    pending.push(new Map());
    worker.onmessage = (
      e: MessageEvent<{ id: number; ok: boolean; result?: KdeMi; error?: string }>,
    ) => {
      const p = pending[w].get(e.data.id);
      if (!p) return;
      pending[w].delete(e.data.id);
      if (e.data.ok) p.resolve(e.data.result!);
      else p.reject(new Error(`KDE worker ${w}: ${e.data.error}`));
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      failAll(w, new Error(`KDE worker ${w} failed: ${e.message}`));
    };
    workers.push(worker);
  }
  return {
    size,
    run(job) {
      if (closed) return Promise.reject(new Error("KDE workers already terminated"));
      let w = 0;
      for (let k = 1; k < size; k++) if (pending[k].size < pending[w].size) w = k;
      const id = nextId++;
      const p = new Promise<KdeMi>((resolve, reject) => {
        pending[w].set(id, { resolve, reject });
        workers[w].postMessage({ id, job }, [job.data.buffer, job.labels.buffer] as ArrayBuffer[]);
      });
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
      for (let w = 0; w < size; w++) {
        workers[w].terminate();
        live--;
        failAll(w, new Error("KDE workers terminated"));
      }
    },
  };
}
