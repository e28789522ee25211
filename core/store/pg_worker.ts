/**
 * The worker thread behind a PostgreSQL store (see pg_bridge.ts): it owns
 * one `pg` client, runs each request it is posted (a list of statements,
 * optionally as one transaction), posts the reply and wakes the waiting
 * main thread through the shared flag. Connection failures are retried
 * with backoff; a request is retried after a lost connection only when its
 * COMMIT had not been sent (so nothing is written twice).
 *
 * @module
 */
import { type MessagePort, workerData } from "node:worker_threads";
import pg from "../../deps/pg.ts";
import type { PgReply, PgRequest } from "./pg_bridge.ts";
import { NOTIFY_CHANNEL } from "./schema.ts";

const { url, flag: sab, port, events, attempts, readOnly, lockClass } = workerData as {
  url: string;
  flag: SharedArrayBuffer;
  port: MessagePort;
  events: MessagePort;
  attempts: number;
  readOnly: boolean;
  lockClass: number;
};
const flag = new Int32Array(sab);

// bigint (identity ids, COUNT) as numbers: ids stay far below 2^53
pg.types.setTypeParser(20, (v: string) => Number(v));

let client: pg.Client | undefined;
/** Runs this session holds the writer's advisory lock of (re-taken after a reconnect). */
const held = new Set<string>();

/** Error codes of a connection that failed or broke (retrying may help). */
function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? "";
  const msg = String((e as Error)?.message ?? e);
  return /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|EAI_AGAIN)$/.test(
    code,
  ) ||
    /^(57P01|57P02|57P03|08\d\d\d)$/.test(code) ||
    /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i
      .test(msg);
}

async function connect(): Promise<pg.Client> {
  let wait = 100;
  for (let i = 1;; i++) {
    const c = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
    });
    c.on("error", () => {
      // a broken connection: the next request reconnects
      if (client === c) client = undefined;
    });
    try {
      await c.connect();
      if (readOnly) await c.query("SET default_transaction_read_only = on");
      for (const id of held) {
        await c.query("SELECT pg_advisory_lock($1, hashtext($2))", [lockClass, id]);
      }
      return c;
    } catch (e) {
      c.end().catch(() => {});
      if (i >= attempts || !isConnectionError(e)) {
        throw Object.assign(e as Error, { attempts: i });
      }
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 2000);
    }
  }
}

async function execute(req: PgRequest): Promise<unknown[][]> {
  let commitSent = false;
  for (let round = 1;; round++) {
    client ??= await connect();
    const c = client;
    const results: unknown[][] = [];
    try {
      if (req.tx) await c.query("BEGIN");
      for (const s of req.steps) {
        const r = await c.query({
          text: s.sql,
          values: s.params,
          rowMode: s.arrays ? "array" : undefined,
        });
        results.push(r.rows);
      }
      if (req.lock !== undefined) {
        await c.query("SELECT pg_advisory_lock($1, hashtext($2))", [lockClass, req.lock]);
      }
      if (req.tx) {
        commitSent = true;
        await c.query("COMMIT");
      }
      if (req.lock !== undefined) held.add(req.lock);
      if (req.unlock !== undefined && held.delete(req.unlock)) {
        await c.query("SELECT pg_advisory_unlock($1, hashtext($2))", [lockClass, req.unlock]);
      }
      return results;
    } catch (e) {
      if (isConnectionError(e)) {
        if (client === c) client = undefined;
        c.end().catch(() => {});
        if (!commitSent && round < attempts) continue;
        throw e;
      }
      if (req.tx) await c.query("ROLLBACK").catch(() => {});
      throw e;
    }
  }
}

/** The LISTEN session (a second connection), once asked for; reopened when it breaks. */
let listener: pg.Client | undefined;
let listening = false;

async function listen(): Promise<void> {
  listening = true;
  let wait = 100;
  while (listening) {
    const c = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${NOTIFY_CHANNEL}`);
      listener = c;
      wait = 100;
      events.postMessage({ reconnected: true }); // changes may have been missed meanwhile
      c.on(
        "notification",
        (n: { payload?: string }) => events.postMessage({ runId: n.payload ?? "" }),
      );
      await new Promise<void>((done) => {
        c.on("error", () => done());
        c.on("end", () => done());
      });
    } catch {
      // retried below
    }
    if (listener === c) listener = undefined;
    c.end().catch(() => {});
    if (!listening) return;
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 5000);
  }
}

function reply(r: PgReply): void {
  port.postMessage(r);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

port.on("message", async (req: PgRequest) => {
  if (req.listen) {
    if (!listening) listen();
    reply({ ok: true, results: [] });
    return;
  }
  if (req.close) {
    const c = client;
    client = undefined;
    listening = false;
    await listener?.end().catch(() => {});
    await c?.end().catch(() => {});
    reply({ ok: true, results: [] });
    port.close();
    return;
  }
  try {
    reply({ ok: true, results: await execute(req) });
  } catch (e) {
    const err = e as { message?: string; code?: string; attempts?: number };
    reply({
      ok: false,
      message: String(err.message ?? e),
      code: err.code ?? null,
      connection: isConnectionError(e),
      attempts: err.attempts ?? null,
    });
  }
});
