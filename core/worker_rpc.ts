/**
 * Requests to a set of Web Workers, each answered by a promise: the worker
 * gets `{ id, req }` and answers `{ id, ok, result }` or `{ id, ok: false,
 * error }`. A worker that dies fails every request it still owes; after
 * `terminate` every request fails. Used by the fused MLP trainer's pool and
 * the KDE pool.
 *
 * @module
 */

/** A set of workers that answer requests. */
export interface WorkerRpc<Req, Res> {
  /** Number of workers. */
  readonly size: number;
  /** Requests worker `w` still owes. */
  owed(w: number): number;
  /** Sends `req` to worker `w` (handing over `transfer`); resolves with its answer. */
  call(w: number, req: Req, transfer?: Transferable[]): Promise<Res>;
  /** Ends the workers; requests still owed fail. */
  terminate(): void;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/**
 * Starts `size` workers running the module `url`; `label` names them in
 * errors.
 *
 * @example
 * ```ts
 * const rpc = startWorkers<number, number>(new URL("./double.ts", import.meta.url).href, 2, "doubler");
 * await rpc.call(0, 21); // 42
 * rpc.terminate();
 * ```
 */
export function startWorkers<Req, Res>(
  url: string,
  size: number,
  label: string,
): WorkerRpc<Req, Res> {
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
    pending.push(new Map());
    worker.onmessage = (
      e: MessageEvent<{ id: number; ok: boolean; result?: unknown; error?: string }>,
    ) => {
      const p = pending[w].get(e.data.id);
      if (!p) return;
      pending[w].delete(e.data.id);
      if (e.data.ok) p.resolve(e.data.result);
      else p.reject(new Error(`${label} worker ${w}: ${e.data.error}`));
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      failAll(w, new Error(`${label} worker ${w} failed: ${e.message}`));
    };
    workers.push(worker);
  }
  return {
    size,
    owed: (w) => pending[w].size,
    call(w, req, transfer = []) {
      if (closed) return Promise.reject(new Error(`${label} workers already terminated`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending[w].set(id, { resolve: resolve as (v: unknown) => void, reject });
        workers[w].postMessage({ id, req }, transfer);
      });
    },
    terminate() {
      if (closed) return;
      closed = true;
      for (let w = 0; w < size; w++) {
        workers[w].terminate();
        failAll(w, new Error(`${label} workers terminated`));
      }
    },
  };
}
