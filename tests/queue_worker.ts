/**
 * Shared by the queue tests: `lens worker` child processes whose log lines
 * are collected as they arrive, and a comparison of two stores' runs
 * record by record.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { CLI, lens } from "./cli_helpers.ts";

/** A running `lens worker`. */
export interface WorkerProcess {
  /** Log lines so far (stderr). */
  lines: string[];
  /** Resolves with the first log line matching `re` (rejects after `timeoutMs`). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a signal. */
  kill(signal: Deno.Signal): void;
  /** Resolves with the exit status. */
  status: Promise<Deno.CommandStatus>;
}

/** Starts `lens worker --queue url --db db ...extra`. Stop it with kill (and await status). */
export function startWorker(url: string, db: string, extra: string[] = []): WorkerProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "worker", "--queue", url, "--db", db, ...extra],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const pump = (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of child.stderr) {
      buf += dec.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.re.test(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    }
  })();
  return {
    lines,
    waitFor(re, timeoutMs = 120_000) {
      const hit = lines.find((l) => re.test(l));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no worker line matching ${re}; got:\n${lines.join("\n")}`)),
          timeoutMs,
        );
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
    kill(signal) {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
    },
    status: child.status.then(async (s) => {
      await pump;
      return s;
    }),
  };
}

/** Stops workers (SIGKILL) and waits for them; for `finally` blocks. */
export async function killAll(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) w.kill("SIGKILL");
  await Promise.all(workers.map((w) => w.status));
}

type Row = Record<string, number | string | null>;

function rows(db: string, sql: string, ...params: string[]): Row[] {
  const d = new DatabaseSync(db, { readOnly: true });
  try {
    return d.prepare(sql).all(...params) as Row[];
  } finally {
    d.close();
  }
}

/** The id of the run named `name` in `db` (exactly one must exist). */
export function runIdByName(db: string, name: string): string {
  const r = rows(db, "SELECT id FROM runs WHERE name = ?", name);
  assert.equal(r.length, 1, `${db}: runs named ${name}: ${r.length}`);
  return String(r[0].id);
}

/**
 * Asserts that run `b` of `dbB` holds the same epoch rows and records as
 * run `a` of `dbA`: same keys, each exactly once, values within `tol`.
 * Returns the number of records and epoch rows compared.
 */
export function assertSameRun(
  dbA: string,
  a: string,
  dbB: string,
  b: string,
  tol = 1e-6,
): { records: number; epochs: number } {
  const keyed = (list: Row[], key: (r: Row) => string, what: string) => {
    const m = new Map<string, Row>();
    for (const r of list) {
      const k = key(r);
      assert.ok(!m.has(k), `${what}: ${k} stored twice`);
      m.set(k, r);
    }
    return m;
  };
  const compare = (ra: Map<string, Row>, rb: Map<string, Row>, cols: string[], what: string) => {
    assert.deepEqual([...rb.keys()].sort(), [...ra.keys()].sort(), `${what}: keys differ`);
    for (const [k, x] of ra) {
      const y = rb.get(k)!;
      for (const c of cols) {
        const u = x[c], v = y[c];
        if (u === null || v === null) assert.equal(v, u, `${what} ${k} ${c}`);
        else assert.ok(Math.abs(Number(u) - Number(v)) <= tol, `${what} ${k} ${c}: ${u} vs ${v}`);
      }
    }
  };
  const resSql =
    "SELECT plugin, layer, epoch, seed, idx, metric, value FROM results WHERE run_id = ?";
  const resKey = (r: Row) => [r.plugin, r.layer, r.epoch, r.seed, r.idx, r.metric].join("|");
  const ra = keyed(rows(dbA, resSql, a), resKey, `${dbA} records`);
  const rb = keyed(rows(dbB, resSql, b), resKey, `${dbB} records`);
  compare(ra, rb, ["value"], "record");
  const epSql =
    "SELECT seed, epoch, loss, accuracy, test_loss, test_accuracy FROM epochs WHERE run_id = ?";
  const epKey = (r: Row) => `${r.seed}|${r.epoch}`;
  const ea = keyed(rows(dbA, epSql, a), epKey, `${dbA} epochs`);
  const eb = keyed(rows(dbB, epSql, b), epKey, `${dbB} epochs`);
  compare(ea, eb, ["loss", "accuracy", "test_loss", "test_accuracy"], "epoch row");
  const [runA] = rows(dbA, "SELECT status, config, seeds FROM runs WHERE id = ?", a);
  const [runB] = rows(dbB, "SELECT status, config, seeds FROM runs WHERE id = ?", b);
  assert.equal(runB.status, runA.status);
  assert.deepEqual(JSON.parse(String(runB.config)), JSON.parse(String(runA.config)));
  assert.equal(runB.seeds, runA.seeds);
  return { records: ra.size, epochs: ea.size };
}

/**
 * Runs `sweepFile` locally (no queue) into `localDb` and asserts that its run
 * `name` equals the run of that name the queue wrote into `db`.
 */
export async function assertSameAsLocalSweep(
  sweepFile: string,
  localDb: string,
  db: string,
  name: string,
): Promise<{ records: number; epochs: number }> {
  const ref = await lens(["sweep", sweepFile, "--db", localDb, "--quiet"]);
  assert.equal(ref.code, 0, ref.stderr);
  return assertSameRun(localDb, runIdByName(localDb, name), db, runIdByName(db, name));
}

/** A sweep long enough to stop a worker in the middle of a job: 1 variant (d1), 2 seeds x 20000 epochs. */
export function longSweep(name: string): string {
  return [
    `name: ${name}`,
    "base:",
    "  training: { epochs: 20000 }",
    "  schedule: { type: log, points: 12 }",
    "  seeds: 2",
    "  plugins: [mi-binned]",
    "variants:",
    "  - { name: d1, model: { hidden: [10] } }",
  ].join("\n");
}
