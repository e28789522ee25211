/**
 * The PostgreSQL backend of the run store, for many writers on many
 * machines. It has the same synchronous {@link Store} interface and tidy
 * schema as SQLite (schema.ts): the npm `pg` client runs in a worker thread
 * and every call blocks until its reply (pg_bridge.ts).
 *
 * - The schema is created on first use (under a transaction-scoped advisory
 *   lock, so writers starting together do not race); `layerlens_meta`
 *   records its version. A database with a newer version, or with a `runs`
 *   table not made by layerlens, is refused.
 * - Every write is one transaction: a batch of records (one multi-row
 *   `INSERT ... SELECT FROM unnest(...)` whatever its size) is stored whole
 *   or not at all, and is checked before anything is sent.
 * - Dead writers: the writing session holds a session-level advisory lock
 *   keyed by the run id (`pg_advisory_lock(APPLICATION_ID, hashtext(id))`),
 *   taken inside the transaction that inserts the run and released by
 *   `finishRun`. PostgreSQL drops the lock when the writer's connection
 *   ends, whichever host it ran on (killed process, lost machine once TCP
 *   keepalive gives up), so any reader sees a `running` run without its lock
 *   as interrupted; opening a store for writing marks such runs
 *   `interrupted` for good. A hash collision between two live runs can only
 *   make a dead run look alive, never the reverse.
 * - An unreachable server is retried with backoff, then a `store`
 *   LensError naming the URL without its password.
 *
 * @module
 */
import { hostname } from "node:os";
import { LensError } from "../errors.ts";
import { APPLICATION_ID, SCHEMA_VERSION } from "../store_file.ts";
import type { ResultFilter, ResultGroup, ResultRecord, RunCopy, RunRow, Store } from "../types.ts";
import {
  blobOf,
  checkLayerParams,
  checkRecord,
  checkRunCopy,
  checkSeed,
  chooseRunId,
  COPIED_RUN_COLUMNS,
  copiedRunValues,
  epochFromRow,
  limitClause,
  modelFromRows,
  NEW_RUN_COLUMNS,
  newRunValues,
  type OpenStoreOptions,
  orNull,
  RESULT_COLUMNS,
  resultRecord,
  resultWhere,
  runFromRow,
  type StoredRun,
} from "./common.ts";
import { openPgBridge, type PgBridge, type PgStep } from "./pg_bridge.ts";
import { checkPostgresUrl, redactUrl } from "./pg_url.ts";
import { POSTGRES_REVISION, POSTGRES_SCHEMA, POSTGRES_TRIGGERS } from "./schema.ts";

/** Options of {@link openPostgresStore}: those of every store, plus connection tuning. */
export interface PostgresStoreOptions extends OpenStoreOptions {
  /** Connection attempts before giving up (backoff 0.1 s doubling to 2 s); default 6. */
  attempts?: number;
}

/** SQL: true when nobody holds the writer lock of run `r`. */
const WRITER_GONE = `NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' ` +
  `AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) ` +
  `AND l.classid = ${APPLICATION_ID}::oid AND l.objid = hashtext(r.id)::oid ` +
  `AND l.objsubid = 2 AND l.granted)`;

/** Inserts a batch of records given as column arrays ($2..$8) for run $1: one statement. */
const RESULTS_UNNEST =
  "INSERT INTO results (run_id, plugin, layer, epoch, seed, idx, metric, value) " +
  "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::int[], " +
  "$7::text[], $8::float8[])";

/** The columns of `records` (plugin, layer, epoch, seed, index, metric, value) as arrays. */
function recordColumns(records: ResultRecord[]): unknown[][] {
  const n = records.length;
  const plugin: string[] = new Array(n);
  const layer: string[] = new Array(n);
  const epoch: number[] = new Array(n);
  const seed: number[] = new Array(n);
  const idx: number[] = new Array(n);
  const metric: string[] = new Array(n);
  const value: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = records[i];
    plugin[i] = r.plugin;
    layer[i] = r.layer;
    epoch[i] = r.epoch;
    seed[i] = r.seed;
    idx[i] = r.index;
    metric[i] = r.metric;
    value[i] = r.value;
  }
  return [plugin, layer, epoch, seed, idx, metric, value];
}

/** The message of a run whose writer's session ended. */
function goneText(pid: unknown, host: unknown): string {
  return `the process writing this run (pid ${pid} on ${host}) ended or lost its database ` +
    "connection before the run finished; everything it wrote is kept";
}

/** Creates or checks the schema; refuses foreign or newer databases. */
function prepareSchema(db: PgBridge, shown: string, options: OpenStoreOptions): void {
  const [[probe]] = db.run({
    steps: [{
      sql: "SELECT to_regclass('layerlens_meta') IS NOT NULL AS meta, " +
        "to_regclass('runs') IS NOT NULL AS runs",
    }],
  }) as [[{ meta: boolean; runs: boolean }]];
  if (probe.runs && !probe.meta) {
    throw new LensError("the database has a runs table that layerlens did not make", {
      code: "store",
      file: shown,
      expected: "a database used only by layerlens (or an empty one)",
    });
  }
  if (!probe.meta) {
    if (options.readOnly || options.mustExist) {
      throw new LensError("no layerlens run store in this database", {
        code: "not_found",
        file: shown,
        expected: "a database written by 'lens run --db postgres://...'",
      });
    }
  }
  if (!options.readOnly) {
    const [[meta]] = probe.meta
      ? db.run({
        steps: [{ sql: "SELECT value FROM layerlens_meta WHERE key = 'pg_revision'" }],
      }) as [{ value: string }[]]
      : [[undefined]];
    if (Number(meta?.value ?? 0) < POSTGRES_REVISION) {
      db.run({
        tx: true,
        steps: [
          { sql: `SELECT pg_advisory_xact_lock(${APPLICATION_ID}, 0)` },
          ...POSTGRES_SCHEMA.map((sql) => ({ sql })),
          ...POSTGRES_TRIGGERS.map((sql) => ({ sql })),
          {
            sql: "INSERT INTO layerlens_meta (key, value) VALUES ('schema_version', $1) " +
              "ON CONFLICT (key) DO NOTHING",
            params: [String(SCHEMA_VERSION)],
          },
          {
            sql: "INSERT INTO layerlens_meta (key, value) VALUES ('pg_revision', $1) " +
              "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            params: [String(POSTGRES_REVISION)],
          },
        ],
      });
    }
  }
  const [rows] = db.run({
    steps: [{ sql: "SELECT value FROM layerlens_meta WHERE key = 'schema_version'" }],
  }) as [{ value: string }[]];
  const version = Number(rows[0]?.value ?? 0);
  if (version > SCHEMA_VERSION) {
    throw new LensError(
      `the run store was written by a newer layerlens (schema ${version}, this one knows ${SCHEMA_VERSION})`,
      { code: "store", file: shown, expected: "a newer layerlens to read it" },
    );
  }
}

/** The statements that write a copied run whole ({@link Store.importRun}), for one transaction. */
function importSteps(copy: RunCopy): PgStep[] {
  const { run } = copy;
  const cols = recordColumns(copy.records);
  const e = copy.epochs;
  const at = run.finishedAt ?? run.createdAt;
  const steps: PgStep[] = [
    {
      sql: `INSERT INTO runs (${COPIED_RUN_COLUMNS}) ` +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
      params: copiedRunValues(copy),
    },
    { sql: RESULTS_UNNEST, params: [run.id, ...cols] },
    {
      sql: "INSERT INTO epochs (run_id, seed, epoch, loss, accuracy, test_loss, " +
        "test_accuracy) SELECT $1, * FROM unnest($2::int[], $3::int[], $4::float8[], " +
        "$5::float8[], $6::float8[], $7::float8[])",
      params: [
        run.id,
        e.map((x) => x.seed),
        e.map((x) => x.epoch),
        e.map((x) => x.loss),
        e.map((x) => x.accuracy),
        e.map((x) => x.testLoss),
        e.map((x) => x.testAccuracy),
      ],
    },
    {
      sql: "INSERT INTO plugin_errors (run_id, plugin, message, created_at) " +
        "SELECT $1, p, m, $4 FROM unnest($2::text[], $3::text[]) AS u(p, m)",
      params: [
        run.id,
        run.pluginErrors.map((x) => x.plugin),
        run.pluginErrors.map((x) => x.message),
        at,
      ],
    },
  ];
  for (const m of copy.models) {
    m.params.forEach((p, i) =>
      steps.push({
        sql: "INSERT INTO models (run_id, seed, idx, layer, kernel_shape, kernel, bias) " +
          "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params: [
          run.id,
          m.seed,
          i,
          p.name,
          JSON.stringify(p.kernelShape),
          blobOf(p.kernel).slice(),
          blobOf(p.bias).slice(),
        ],
      })
    );
  }
  return steps;
}

/**
 * Opens the run store in the PostgreSQL database at `url`
 * (`postgres://user[:password]@host[:port]/database`), creating its tables
 * on first use (unless `options.readOnly`). A malformed URL is a `usage`
 * error; an unreachable server a `store` error after retries; neither
 * shows the password.
 *
 * @example
 * ```ts
 * const store = openPostgresStore("postgres://lens@db.lab:5432/runs");
 * store.listRuns();
 * store.close();
 * ```
 */
export function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Store {
  checkPostgresUrl(url);
  const shown = redactUrl(url);
  const readOnly = options.readOnly === true;
  const db = openPgBridge(url, {
    attempts: options.attempts,
    readOnly,
    lockClass: APPLICATION_ID,
  });
  const one = (sql: string, params?: unknown[], arrays = false): unknown[] =>
    db.run({ steps: [{ sql, params, arrays }] })[0];
  try {
    prepareSchema(db, shown, options);
    if (!readOnly) {
      one(
        `UPDATE runs r SET status = 'interrupted', finished_at = $1, ` +
          `error = 'the process writing this run (pid ' || coalesce(pid::text, '?') || ' on ' || ` +
          `coalesce(host, '?') || ') ended or lost its database connection before the run ` +
          `finished; everything it wrote is kept' WHERE status = 'running' AND ${WRITER_GONE}`,
        [new Date().toISOString()],
      );
    }
  } catch (e) {
    db.close();
    throw e;
  }

  const host = hostname();

  const runRows = (where: string, params: unknown[]): RunRow[] => {
    const runs = one(
      `SELECT r.*, (r.status = 'running' AND ${WRITER_GONE}) AS gone FROM runs r ${where}`,
      params,
    ) as StoredRun[];
    if (!runs.length) return [];
    const ids = runs.map((r) => r.id as string);
    const [errors, progress] = db.run({
      steps: [
        {
          sql: "SELECT run_id, plugin, message FROM plugin_errors WHERE run_id = ANY($1) " +
            "ORDER BY id",
          params: [ids],
        },
        {
          sql: "SELECT run_id, seed, epoch, loss, accuracy FROM epochs WHERE id IN " +
            "(SELECT MAX(id) FROM epochs WHERE run_id = ANY($1) GROUP BY run_id, seed) " +
            "ORDER BY seed",
          params: [ids],
        },
      ],
    }) as [
      { run_id: string; plugin: string; message: string }[],
      Record<string, unknown>[],
    ];
    return runs.map((r) =>
      runFromRow(
        r,
        errors.filter((e) => e.run_id === r.id),
        progress.filter((e) => e.run_id === r.id),
        r.gone ? goneText(r.pid, r.host) : undefined,
      )
    );
  };

  const requireRunId = (runId: string) => {
    if (!one("SELECT 1 FROM runs WHERE id = $1", [runId]).length) {
      throw new LensError(`no run "${runId}" in the store`, {
        code: "not_found",
        file: shown,
        expected: "the id of a run created in this store",
      });
    }
  };
  const runExists = (id: string) => one("SELECT 1 FROM runs WHERE id = $1", [id]).length > 0;
  // run_tags is created on first use (as in SQLite)
  const hasTagTable = () =>
    (one("SELECT to_regclass('run_tags') IS NOT NULL AS e") as { e: boolean }[])[0]?.e === true;

  let closed = false;

  return {
    path: shown,

    createRun(init) {
      const id = chooseRunId(init.id, runExists, shown);
      db.run({
        tx: true,
        lock: id,
        steps: [{
          sql: `INSERT INTO runs (${NEW_RUN_COLUMNS}) ` +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
          params: newRunValues(id, init, host),
        }],
      });
      return id;
    },

    appendResults(runId, records) {
      if (!records.length) return;
      records.forEach(checkRecord);
      db.run({
        tx: true,
        steps: [{ sql: RESULTS_UNNEST, params: [runId, ...recordColumns(records)] }],
      });
    },

    recordEpoch(runId, e) {
      one(
        "INSERT INTO epochs (run_id, seed, epoch, loss, accuracy, test_loss, test_accuracy) " +
          "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [runId, e.seed, e.epoch, e.loss, e.accuracy, orNull(e.testLoss), orNull(e.testAccuracy)],
      );
    },

    recordPluginError(runId, plugin, message) {
      one(
        "INSERT INTO plugin_errors (run_id, plugin, message, created_at) VALUES ($1, $2, $3, $4)",
        [runId, plugin, message, new Date().toISOString()],
      );
    },

    finishRun(runId, status, timings, error) {
      requireRunId(runId);
      db.run({
        unlock: runId,
        steps: [{
          sql: "UPDATE runs SET status = $1, timings = $2, finished_at = $3, error = $4 " +
            "WHERE id = $5",
          params: [status, JSON.stringify(timings), new Date().toISOString(), error ?? null, runId],
        }],
      });
    },

    listRuns() {
      return runRows("ORDER BY created_at DESC, id DESC", []);
    },

    getRun(id) {
      return runRows("WHERE id = $1", [id])[0];
    },

    writer(id) {
      const [r] = one("SELECT pid, host FROM runs WHERE id = $1", [id]) as {
        pid: number | null;
        host: string | null;
      }[];
      return r ? { pid: r.pid === null ? null : Number(r.pid), host: r.host ?? null } : undefined;
    },

    resultGroups(runId, afterId = 0): ResultGroup[] {
      const rows = one(
        "SELECT plugin, metric, layer, COUNT(*), MIN(epoch), MAX(epoch), MAX(id) FROM results " +
          "WHERE run_id = $1 AND id > $2 GROUP BY plugin, metric, layer",
        [runId, afterId],
        true,
      ) as [string, string, string, number, number, number, number][];
      return rows.map(([plugin, metric, layer, count, epochMin, epochMax, lastId]) => ({
        plugin,
        metric,
        layer,
        count: Number(count),
        epochMin: Number(epochMin),
        epochMax: Number(epochMax),
        lastId: Number(lastId),
      }));
    },

    queryResults(runId, filter: ResultFilter = {}) {
      const sel = resultWhere(runId, filter, (n) => `$${n}`);
      if (!sel) return [];
      const rows = one(
        `SELECT ${RESULT_COLUMNS} FROM results WHERE ${sel.where} ORDER BY id${
          limitClause(filter)
        }`,
        sel.params,
        true,
      ) as unknown[][];
      const out: (ResultRecord & { id: number })[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = resultRecord(rows[i]);
      return out;
    },

    epochsSince(runId, afterId) {
      const rows = one(
        "SELECT id, seed, epoch, loss, accuracy, test_loss, test_accuracy FROM epochs " +
          "WHERE run_id = $1 AND id > $2 ORDER BY id",
        [runId, afterId],
      ) as Record<string, unknown>[];
      return rows.map(epochFromRow);
    },

    renameRun(id, name) {
      requireRunId(id);
      one("UPDATE runs SET name = $1 WHERE id = $2", [name, id]);
    },

    setRunTags(id, tags) {
      requireRunId(id);
      db.run({
        tx: true,
        steps: [
          // created on first use, as in SQLite
          {
            sql: "CREATE TABLE IF NOT EXISTS run_tags (run_id TEXT NOT NULL, tag TEXT NOT NULL, " +
              "PRIMARY KEY (run_id, tag))",
          },
          { sql: "DELETE FROM run_tags WHERE run_id = $1", params: [id] },
          ...[...new Set(tags)].map((t) => ({
            sql: "INSERT INTO run_tags (run_id, tag) VALUES ($1, $2)",
            params: [id, t],
          })),
        ],
      });
    },

    runTags(id) {
      if (!hasTagTable()) return [];
      return (one("SELECT tag FROM run_tags WHERE run_id = $1 ORDER BY tag", [id]) as {
        tag: string;
      }[]).map((r) => r.tag);
    },

    deleteRun(id) {
      requireRunId(id);
      const tagged = hasTagTable();
      db.run({
        tx: true,
        steps: [
          ...["results", "epochs", "plugin_errors", "models"].map((t) => ({
            sql: `DELETE FROM ${t} WHERE run_id = $1`,
            params: [id],
          })),
          ...(tagged ? [{ sql: "DELETE FROM run_tags WHERE run_id = $1", params: [id] }] : []),
          { sql: "DELETE FROM runs WHERE id = $1", params: [id] },
        ],
      });
    },

    clearSeeds(runId, seeds) {
      requireRunId(runId);
      seeds.forEach(checkSeed);
      const steps: PgStep[] = ["results", "epochs", "models"].flatMap((table) =>
        seeds.map((seed) => ({
          sql: `DELETE FROM ${table} WHERE run_id = $1 AND seed = $2`,
          params: [runId, seed],
        }))
      );
      db.run({ tx: true, steps });
    },

    saveModel(runId, seed, params) {
      requireRunId(runId);
      checkSeed(seed);
      params.forEach(checkLayerParams);
      const steps: PgStep[] = [{
        sql: "DELETE FROM models WHERE run_id = $1 AND seed = $2",
        params: [runId, seed],
      }];
      params.forEach((p, i) =>
        steps.push({
          sql: "INSERT INTO models (run_id, seed, idx, layer, kernel_shape, kernel, bias) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
          params: [
            runId,
            seed,
            i,
            p.name,
            JSON.stringify(p.kernelShape),
            blobOf(p.kernel).slice(),
            blobOf(p.bias).slice(),
          ],
        })
      );
      db.run({ tx: true, steps });
    },

    loadModel(runId, seed) {
      const rows = one(
        "SELECT layer, kernel_shape, kernel, bias FROM models WHERE run_id = $1 AND seed = $2 " +
          "ORDER BY idx",
        [runId, seed],
      ) as Record<string, unknown>[];
      return modelFromRows(rows);
    },

    modelSeeds(runId) {
      const rows = one(
        "SELECT DISTINCT seed FROM models WHERE run_id = $1 ORDER BY seed",
        [runId],
      ) as { seed: number }[];
      return rows.map((r) => Number(r.seed));
    },

    importRun(copy) {
      checkRunCopy(copy);
      if (runExists(copy.run.id)) return false;
      db.run({ tx: true, steps: importSteps(copy) });
      return true;
    },

    watch(onChange) {
      return db.onChange(onChange);
    },

    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
