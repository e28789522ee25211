/**
 * A synchronous door to an asynchronous PostgreSQL client. The run store's
 * interface is synchronous (SQLite's node:sqlite is), while npm `pg` is
 * promise-based; so the client lives in a worker thread (pg_worker.ts) and
 * each request blocks the calling thread: it posts the request on a
 * MessageChannel port, waits with `Atomics.wait` on a shared flag until the
 * worker has posted its reply and notified, then takes the reply with
 * `receiveMessageOnPort`. One request is in flight at a time.
 *
 * @module
 */
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import { LensError } from "../errors.ts";
import { redactUrl } from "./pg_url.ts";

/** One SQL statement with `$n` parameters; `arrays` returns rows as arrays. */
export interface PgStep {
  sql: string;
  params?: unknown[];
  arrays?: boolean;
}

/** What the worker is asked to do. */
export interface PgRequest {
  /** Statements, run in order. */
  steps: PgStep[];
  /** Run them as one transaction (all or nothing). */
  tx?: boolean;
  /** Take the writer's session advisory lock of this run id before COMMIT. */
  lock?: string;
  /** Release the writer's advisory lock of this run id afterwards. */
  unlock?: string;
  /** End the connection (the last request). */
  close?: boolean;
  /** Start the LISTEN session (changes arrive through {@link PgBridge.onChange}). */
  listen?: boolean;
}

/** The worker's answer: the rows of each step, or what went wrong. */
export type PgReply =
  | { ok: true; results: unknown[][] }
  | {
    ok: false;
    message: string;
    code: string | null;
    connection: boolean;
    attempts: number | null;
  };

/** Options of {@link openPgBridge}. */
export interface PgBridgeOptions {
  /** Connection attempts (and retries of a request after a lost connection); default 6. */
  attempts?: number;
  /** The session refuses writes. */
  readOnly?: boolean;
  /** Seconds to wait for one reply before giving up; default 600. */
  replyTimeoutS?: number;
  /** First key of the writers' advisory locks. */
  lockClass: number;
}

/** A blocking PostgreSQL session. */
export interface PgBridge {
  /** Runs a request and returns each step's rows; throws a `store` LensError on failure. */
  run(req: PgRequest): unknown[][];
  /** Ends the connection and the worker. */
  close(): void;
  /**
   * Calls `fn` with a run id after each committed change to that run (from
   * any session; "" after the LISTEN session reconnected, when changes may
   * have been missed). Starts listening on first use; returns an unsubscribe.
   */
  onChange(fn: (runId: string) => void): () => void;
}

/** Opens a worker-backed session to `url` (connects on the first request). */
export function openPgBridge(url: string, options: PgBridgeOptions): PgBridge {
  const shown = redactUrl(url);
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const events = new MessageChannel();
  const worker = new Worker(new URL("./pg_worker.ts", import.meta.url), {
    workerData: {
      url,
      flag: flag.buffer,
      port: port2,
      events: events.port2,
      attempts: options.attempts ?? 6,
      readOnly: options.readOnly === true,
      lockClass: options.lockClass,
    },
    transferList: [port2, events.port2] as unknown as MessagePort[],
  });
  // the worker must not keep a process alive that forgot to close its store
  (worker as unknown as { unref?: () => void }).unref?.();
  (port1 as unknown as { unref?: () => void }).unref?.();
  const timeoutMs = (options.replyTimeoutS ?? 600) * 1000;
  let closed = false;
  const listeners = new Set<(runId: string) => void>();
  let listening = false;
  events.port1.on("message", (m: { runId?: string; reconnected?: boolean }) => {
    for (const fn of listeners) fn(m.runId ?? "");
  });
  (events.port1 as unknown as { unref?: () => void }).unref?.();

  const call = (req: PgRequest): PgReply => {
    Atomics.store(flag, 0, 0);
    port1.postMessage(req);
    const until = Date.now() + timeoutMs;
    for (;;) {
      Atomics.wait(flag, 0, 0, Math.max(1, until - Date.now()));
      const got = receiveMessageOnPort(port1);
      if (got) return got.message as PgReply;
      if (Date.now() >= until) {
        throw new LensError(`no reply from PostgreSQL at ${shown} within ${timeoutMs / 1000} s`, {
          code: "store",
          file: shown,
          expected: "a reachable PostgreSQL server",
        });
      }
    }
  };

  return {
    run(req) {
      if (closed) {
        throw new LensError("the PostgreSQL store is closed", { code: "store", file: shown });
      }
      const r = call(req);
      if (r.ok) return r.results;
      if (r.connection) {
        throw new LensError(
          `cannot reach PostgreSQL at ${shown}` +
            (r.attempts ? ` (${r.attempts} attempts)` : "") + `: ${r.message}`,
          { code: "store", file: shown, expected: "a reachable PostgreSQL server" },
        );
      }
      throw new LensError(`PostgreSQL at ${shown}: ${r.message}`, {
        code: "store",
        file: shown,
        expected: r.code ? `a statement PostgreSQL accepts (SQLSTATE ${r.code})` : undefined,
      });
    },
    onChange(fn) {
      listeners.add(fn);
      if (!listening) {
        listening = true;
        this.run({ steps: [], listen: true });
      }
      return () => listeners.delete(fn);
    },
    close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      events.port1.close();
      try {
        call({ steps: [], close: true });
      } finally {
        port1.close();
        worker.terminate();
      }
    },
  };
}
