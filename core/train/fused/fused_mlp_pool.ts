/**
 * Web Workers for the fused MLP trainer, each holding one bank of seeds,
 * with a promise per request. A worker that dies fails every request it
 * still owes.
 *
 * @module
 */
import { startWorkers } from "../../worker_rpc.ts";
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
  const rpc = startWorkers<BankRequest, unknown>(url, size, "fused MLP");
  live += size;
  let closed = false;
  return {
    size,
    call: (w, req) => rpc.call(w, req) as Promise<BankReplies[typeof req["op"]]>,
    terminate() {
      if (closed) return;
      closed = true;
      rpc.terminate();
      live -= size;
    },
  };
}
