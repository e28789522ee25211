/**
 * Web Workers for the fused MLP trainer, each holding one bank of seeds,
 * with a promise per request. A worker that dies fails every request it
 * still owes.
 *
 * @module
 */
import type { BankInit, BankStats, BatchReport } from "./fused_mlp_bank.ts";

/** What the trainer asks a worker's bank to do. */
export type BankRequest =
  | { op: "init"; init: BankInit }
  | { op: "train"; epoch: number; grads: boolean }
  | { op: "capture"; x: Float32Array; n: number; seeds: number[] }
  | { op: "evaluate"; x: Float32Array; y: Int32Array; n: number }
  | { op: "forwardFrom"; seed: number; layer: number; features: Float32Array; rows: number }
  | { op: "params"; seed: number };

/** The answer to each request. */
export interface BankReplies {
  init: { backend: string };
  train: BankStats & { batches?: BatchReport };
  capture: Float32Array[];
  evaluate: BankStats;
  forwardFrom: Float32Array;
  params: Float32Array;
}

/** A set of bank workers. */
export interface WorkerPool {
  readonly size: number;
  /** Sends a request to worker `w`; resolves with its answer. */
  call<R extends BankRequest>(w: number, req: R): Promise<BankReplies[R["op"]]>;
  /** Terminates every worker; pending requests fail. */
  terminate(): void;
}

let live = 0;

/** Workers started by pools of this module and not yet terminated (for leak checks). */
export function liveWorkers(): number {
  return live;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/**
 * Starts `size` workers running fused_mlp_worker.ts.
 *
 * @example
 * ```ts
 * const pool = createWorkerPool(2);
 * await pool.call(0, { op: "init", init });
 * const stats = await pool.call(0, { op: "train", epoch: 0, grads: false });
 * pool.terminate();
 * ```
 */
export function createWorkerPool(size: number): WorkerPool {
  const url = new URL("./fused_mlp_worker.ts", import.meta.url).href;
  const pending: Map<number, Pending>[] = [];
  const workers: Worker[] = [];
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
      e: MessageEvent<{ id: number; ok: boolean; result?: unknown; error?: string }>,
    ) => {
      const p = pending[w].get(e.data.id);
      if (!p) return;
      pending[w].delete(e.data.id);
      if (e.data.ok) p.resolve(e.data.result);
      else p.reject(new Error(`fused MLP worker ${w}: ${e.data.error}`));
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      failAll(w, new Error(`fused MLP worker ${w} failed: ${e.message}`));
    };
    workers.push(worker);
  }
  return {
    size,
    call(w, req) {
      if (closed) return Promise.reject(new Error("fused MLP workers already terminated"));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending[w].set(id, { resolve: resolve as (v: unknown) => void, reject });
        workers[w].postMessage({ id, req });
      });
    },
    terminate() {
      if (closed) return;
      closed = true;
      for (let w = 0; w < size; w++) {
        workers[w].terminate();
        live--;
        failAll(w, new Error("fused MLP workers terminated"));
      }
    },
  };
}
