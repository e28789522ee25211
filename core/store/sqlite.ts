/**
 * The SQLite backend of the run store: one file (node:sqlite) holding runs,
 * their tidy result records, per-epoch training statistics and plugin errors.
 *
 * The file is opened in WAL mode with a busy timeout (or read-only for
 * the reading commands, which then never change it), so a reader (the
 * dashboard server) can open it while a CLI process writes. Every write is
 * a transaction: a batch of records is either all stored or none. When a
 * store is opened, runs still marked `running` whose writing process is
 * gone (same host, pid no longer alive) are marked `interrupted`; whatever
 * they wrote stays readable.
 *
 * Tables: see schema.ts.
 *
 * @module
 */
import { hostname } from "node:os";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { errorMessage, LensError } from "../errors.ts";
import {
  APPLICATION_ID,
  damaged,
  inspectStoreFile,
  SCHEMA_VERSION,
  storeError,
} from "../store_file.ts";
import type {
  EpochEndEvent,
  ResultFilter,
  ResultRecord,
  RunCopy,
  RunRow,
  Store,
} from "../types.ts";
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
  processAlive,
  RESULT_COLUMNS,
  resultRecord,
  resultWhere,
  runFromRow,
} from "./common.ts";
import { SQLITE_SCHEMA as SCHEMA } from "./schema.ts";
import { sqliteAnswers } from "./sqlite_answers.ts";

/** Milliseconds a statement waits for another writer before failing busy. */
const BUSY_TIMEOUT_MS = 10000;

/** A statement that may return rows as arrays (node:sqlite, Node >= 24). */
type ArrayStatement = StatementSync & { setReturnArrays?: (on: boolean) => void };

/** Rows per multi-row INSERT in appendResults (fewer calls into SQLite: ~2x faster). */
const CHUNK = 32;
const INSERT_COLS = "INSERT INTO results (run_id, plugin, layer, epoch, seed, idx, metric, value)";

/** Whether `e` is SQLite saying the file is corrupt or not a database. */
function isCorruption(e: unknown): boolean {
  const code = (e as { errcode?: number })?.errcode;
  return code === 11 || code === 26 || /malformed|not a database/i.test(errorMessage(e));
}

/**
 * Makes the schema of a new database (`from` -1) or brings one of an older
 * schema version up to {@link SCHEMA_VERSION}, and stamps it as ours, in one
 * transaction: a reader that opens the file meanwhile (a dashboard, a second
 * run) sees it as it was or whole and stamped, never tables without the stamp
 * (which it would refuse as another program's).
 */
function prepareSchema(db: DatabaseSync, from: number): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    if (from < 1) {
      // new, or before versions were recorded: tables and columns added over time
      db.exec(SCHEMA);
      const cols = (db.prepare("PRAGMA table_info(runs)").all() as { name: string }[])
        .map((c) => c.name);
      if (!cols.includes("pid")) db.exec("ALTER TABLE runs ADD COLUMN pid INTEGER");
      if (!cols.includes("host")) db.exec("ALTER TABLE runs ADD COLUMN host TEXT");
    }
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  }
}

/** Checks, opens and (for writing) prepares or migrates the SQLite file at `path`. */
function openDatabase(path: string, options: OpenStoreOptions): DatabaseSync {
  const readOnly = options.readOnly === true;
  const state = inspectStoreFile(path);
  if ((readOnly || options.mustExist) && state.kind === "new") {
    throw new LensError("no such database", {
      code: "not_found",
      file: path,
      expected: "a database written by 'lens run' (choose one with --db FILE)",
    });
  }
  if (readOnly && state.kind === "layerlens" && state.missing.length) {
    throw storeError(
      path,
      `the run database was written by an older layerlens (no table ${state.missing.join(", ")})`,
      "a database upgraded by one writing command (e.g. lens run) first",
    );
  }
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly });
  } catch (e) {
    throw new LensError(`cannot open the run database: ${errorMessage(e)}`, {
      code: "store",
      file: path,
      expected: readOnly ? "a readable SQLite file" : "a writable SQLite file path",
    });
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!readOnly) {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      if (state.kind === "new") prepareSchema(db, -1);
      else if (state.version < SCHEMA_VERSION) prepareSchema(db, state.version);
    }
  } catch (e) {
    db.close();
    if (isCorruption(e)) throw damaged(path, errorMessage(e));
    throw new LensError(`cannot prepare the run database: ${errorMessage(e)}`, {
      code: "store",
      file: path,
      expected: "a writable layerlens run database (or a new path)",
    });
  }
  return db;
}

/** Prepared-statement cache, array rows and transactions over one database. */
function sqlHelpers(db: DatabaseSync) {
  const statements = new Map<string, StatementSync>();
  const stmt = (sql: string): StatementSync => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
  /**
   * Rows as arrays (5x faster than objects for 100k rows); node:sqlite has
   * `setReturnArrays` since Node 24, older runtimes get objects turned into arrays.
   */
  const arrayRows = (sql: string, params: SQLInputValue[]): unknown[][] => {
    const key = `arrays:${sql}`;
    let s = statements.get(key) as ArrayStatement | undefined;
    if (!s) {
      s = db.prepare(sql) as ArrayStatement;
      if (typeof s.setReturnArrays === "function") s.setReturnArrays(true);
      statements.set(key, s);
    }
    const rows = s.all(...params) as unknown[];
    return typeof s.setReturnArrays === "function"
      ? rows as unknown[][]
      : (rows as Record<string, unknown>[]).map((r) => Object.values(r));
  };

  /** Runs `fn` in one transaction; any throw rolls everything back. */
  const transaction = <T>(fn: () => T): T => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      db.exec("COMMIT");
      return out;
    } catch (e) {
      db.exec("ROLLBACK");
      throw e;
    }
  };
  return { statements, stmt, arrayRows, transaction };
}

/** What {@link sqlHelpers} gives. */
type SqlHelpers = ReturnType<typeof sqlHelpers>;

/**
 * Marks `interrupted` the runs still `running` whose writer was on this
 * host and is gone.
 */
function markDeadWriters({ stmt, transaction }: SqlHelpers, host: string): void {
  const running = stmt("SELECT id, pid, host FROM runs WHERE status = 'running'").all() as {
    id: string;
    pid: number | null;
    host: string | null;
  }[];
  const dead = running.filter((r) =>
    r.host === host && r.pid !== null && r.pid !== Deno.pid && !processAlive(r.pid)
  );
  if (!dead.length) return;
  transaction(() => {
    const now = new Date().toISOString();
    for (const r of dead) {
      stmt(
        "UPDATE runs SET status = 'interrupted', finished_at = ?, error = ? " +
          "WHERE id = ? AND status = 'running'",
      ).run(
        now,
        `the process writing this run (pid ${r.pid} on ${r.host}) ended before the run ` +
          "finished; everything it wrote is kept",
        r.id,
      );
    }
  });
}

/** Inserts `records` of run `runId` in multi-row statements (inside a transaction). */
function insertRecords(stmt: SqlHelpers["stmt"], runId: string, records: ResultRecord[]): void {
  const one = stmt(`${INSERT_COLS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const many = stmt(
    `${INSERT_COLS} VALUES ${Array(CHUNK).fill("(?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
  );
  const args: SQLInputValue[] = new Array(CHUNK * 8);
  let i = 0;
  for (; i + CHUNK <= records.length; i += CHUNK) {
    for (let k = 0; k < CHUNK; k++) {
      const r = records[i + k];
      checkRecord(r, i + k);
      const o = k * 8;
      args[o] = runId;
      args[o + 1] = r.plugin;
      args[o + 2] = r.layer;
      args[o + 3] = r.epoch;
      args[o + 4] = r.seed;
      args[o + 5] = r.index;
      args[o + 6] = r.metric;
      args[o + 7] = r.value;
    }
    many.run(...args);
  }
  for (; i < records.length; i++) {
    const r = records[i];
    checkRecord(r, i);
    one.run(runId, r.plugin, r.layer, r.epoch, r.seed, r.index, r.metric, r.value);
  }
}

/** Writes a run copied from another store, whole, in one transaction ({@link Store.importRun}). */
function importRun({ stmt, transaction }: SqlHelpers, copy: RunCopy): boolean {
  const { run } = copy;
  checkRunCopy(copy);
  if (stmt("SELECT 1 FROM runs WHERE id = ?").get(run.id)) return false;
  const at = run.finishedAt ?? run.createdAt;
  transaction(() => {
    stmt(
      `INSERT INTO runs (${COPIED_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...copiedRunValues(copy));
    insertRecords(stmt, run.id, copy.records);
    const epoch = stmt(
      "INSERT INTO epochs (run_id, seed, epoch, loss, accuracy, test_loss, test_accuracy) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    for (const e of copy.epochs) {
      epoch.run(run.id, e.seed, e.epoch, e.loss, e.accuracy, e.testLoss, e.testAccuracy);
    }
    const perr = stmt(
      "INSERT INTO plugin_errors (run_id, plugin, message, created_at) VALUES (?, ?, ?, ?)",
    );
    for (const e of run.pluginErrors) perr.run(run.id, e.plugin, e.message, at);
    const model = stmt(
      "INSERT INTO models (run_id, seed, idx, layer, kernel_shape, kernel, bias) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    for (const m of copy.models) {
      m.params.forEach((p, i) =>
        model.run(
          run.id,
          m.seed,
          i,
          p.name,
          JSON.stringify(p.kernelShape),
          blobOf(p.kernel),
          blobOf(p.bias),
        )
      );
    }
  });
  return true;
}

/**
 * Opens the run store at `path`, creating it if needed (unless
 * `options.readOnly`).
 *
 * The file is checked first without changing it (store_file.ts): a file
 * that is not SQLite or is cut short, a SQLite database of another program,
 * one written by a newer layerlens, or a layerlens database that lost a
 * table is refused with a `store` {@link LensError} and left byte for byte
 * as it was. A database of an older schema is migrated when opened for
 * writing (and read as it is when opened read-only). A query that finds
 * the file corrupt later is a `store` error saying the database is damaged.
 *
 * @example
 * ```ts
 * const store = openStore("layerlens.db");
 * const id = store.createRun({
 *   name: "demo", config: {}, seeds: [0], backend: "wasm", engine: "fused", versions: {},
 * });
 * store.appendResults(id, [
 *   { plugin: "mi-binned", layer: "dense_1", epoch: 0, seed: 0, index: 0, metric: "ixt", value: 12 },
 * ]);
 * store.finishRun(id, "completed", { total_s: 1.5 });
 * store.queryResults(id, { metric: "ixt" }).length; // 1
 * store.close();
 * ```
 */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  const readOnly = options.readOnly === true;
  const db = openDatabase(path, options);
  const sql = sqlHelpers(db);
  const { statements, stmt, arrayRows, transaction } = sql;

  const host = hostname();
  if (!readOnly) markDeadWriters(sql, host);

  /** A run still marked running whose writer is gone (read-only stores cannot mark it). */
  const deadWriter = (r: Record<string, SQLInputValue>): boolean =>
    r.status === "running" && r.host === host && typeof r.pid === "number" &&
    r.pid !== Deno.pid && !processAlive(r.pid);

  const rowToRun = (r: Record<string, SQLInputValue>): RunRow => {
    const id = r.id as string;
    const pluginErrors = stmt(
      "SELECT plugin, message FROM plugin_errors WHERE run_id = ? ORDER BY id",
    ).all(id) as { plugin: string; message: string }[];
    const progress = stmt(
      "SELECT seed, epoch, loss, accuracy FROM epochs WHERE id IN " +
        "(SELECT MAX(id) FROM epochs WHERE run_id = ? GROUP BY seed) ORDER BY seed",
    ).all(id) as Record<string, SQLInputValue>[];
    const gone = readOnly && deadWriter(r)
      ? `the process writing this run (pid ${r.pid} on ${r.host}) ended before the run finished`
      : undefined;
    return runFromRow(r, pluginErrors, progress, gone);
  };

  const requireRunId = (runId: string) => {
    if (!stmt("SELECT 1 FROM runs WHERE id = ?").get(runId)) {
      throw new LensError(`no run "${runId}" in the store`, {
        code: "not_found",
        file: path,
        expected: "the id of a run created in this store",
      });
    }
  };

  let closed = false;
  const answers = sqliteAnswers(db, stmt, BUSY_TIMEOUT_MS);
  const hasTagTable = () =>
    !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_tags'").get();

  const store: Store = {
    path,

    createRun(init) {
      const id = chooseRunId(
        init.id,
        (x) => !!stmt("SELECT 1 FROM runs WHERE id = ?").get(x),
        path,
      );
      stmt(`INSERT INTO runs (${NEW_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(...newRunValues(id, init, host));
      return id;
    },

    appendResults(runId, records) {
      if (!records.length) return;
      transaction(() => insertRecords(stmt, runId, records));
    },

    recordEpoch(runId, e: EpochEndEvent) {
      stmt(
        "INSERT INTO epochs (run_id, seed, epoch, loss, accuracy, test_loss, test_accuracy) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
      ).run(
        runId,
        e.seed,
        e.epoch,
        e.loss,
        e.accuracy,
        orNull(e.testLoss),
        orNull(e.testAccuracy),
      );
    },

    recordPluginError(runId, plugin, message) {
      stmt(
        "INSERT INTO plugin_errors (run_id, plugin, message, created_at) VALUES (?, ?, ?, ?)",
      ).run(runId, plugin, message, new Date().toISOString());
    },

    finishRun(runId, status, timings, error) {
      requireRunId(runId);
      stmt(
        "UPDATE runs SET status = ?, timings = ?, finished_at = ?, error = ? WHERE id = ?",
      ).run(status, JSON.stringify(timings), new Date().toISOString(), error ?? null, runId);
    },

    listRuns() {
      const rows = stmt("SELECT * FROM runs ORDER BY created_at DESC, id DESC").all() as Record<
        string,
        SQLInputValue
      >[];
      return rows.map(rowToRun);
    },

    writer(id) {
      const r = stmt("SELECT pid, host FROM runs WHERE id = ?").get(id) as
        | { pid: number | null; host: string | null }
        | undefined;
      return r ? { pid: r.pid === null ? null : Number(r.pid), host: r.host ?? null } : undefined;
    },

    getRun(id) {
      const r = stmt("SELECT * FROM runs WHERE id = ?").get(id) as
        | Record<string, SQLInputValue>
        | undefined;
      return r ? rowToRun(r) : undefined;
    },

    resultGroups(runId, afterId = 0) {
      const rows = arrayRows(
        "SELECT plugin, metric, layer, COUNT(*), MIN(epoch), MAX(epoch), MAX(id) FROM results " +
          "WHERE run_id = ? AND id > ? GROUP BY plugin, metric, layer",
        [runId, afterId],
      ) as [string, string, string, number, number, number, number][];
      return rows.map(([plugin, metric, layer, count, epochMin, epochMax, lastId]) => ({
        plugin,
        metric,
        layer,
        count,
        epochMin,
        epochMax,
        lastId,
      }));
    },

    queryResults(runId, filter: ResultFilter = {}) {
      const sel = resultWhere(runId, filter, () => "?");
      if (!sel) return [];
      // With plugin and metric given, "+id" keeps SQLite from walking the
      // (run_id, id) index for the ORDER BY through every record of the run:
      // it seeks (run_id, plugin, metric) and sorts the few rows it finds
      // (a chart's 3k seed means of a 180k-record run: 240 ms -> 18 ms cold).
      const order = filter.plugin !== undefined && filter.metric !== undefined ? "+id" : "id";
      const rows = arrayRows(
        `SELECT ${RESULT_COLUMNS} FROM results WHERE ${sel.where} ORDER BY ${order}${
          limitClause(filter)
        }`,
        sel.params,
      );
      const out: (ResultRecord & { id: number })[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = resultRecord(rows[i]);
      return out;
    },

    epochsSince(runId, afterId) {
      // rows as arrays: a 20-seed run's 9k rows read 3-4x faster than as objects
      const rows = arrayRows(
        "SELECT id, seed, epoch, loss, accuracy, test_loss, test_accuracy FROM epochs " +
          "WHERE run_id = ? AND id > ? ORDER BY id",
        [runId, afterId],
      );
      return rows.map((r) =>
        epochFromRow({
          id: r[0],
          seed: r[1],
          epoch: r[2],
          loss: r[3],
          accuracy: r[4],
          test_loss: r[5],
          test_accuracy: r[6],
        })
      );
    },

    clearSeeds(runId, seeds) {
      requireRunId(runId);
      seeds.forEach(checkSeed);
      transaction(() => {
        for (const table of ["results", "epochs", "models"]) {
          const del = stmt(`DELETE FROM ${table} WHERE run_id = ? AND seed = ?`);
          for (const seed of seeds) del.run(runId, seed);
        }
      });
    },

    saveModel(runId, seed, params) {
      requireRunId(runId);
      checkSeed(seed);
      params.forEach(checkLayerParams);
      transaction(() => {
        stmt("DELETE FROM models WHERE run_id = ? AND seed = ?").run(runId, seed);
        const insert = stmt(
          "INSERT INTO models (run_id, seed, idx, layer, kernel_shape, kernel, bias) " +
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
        );
        params.forEach((p, i) => {
          insert.run(
            runId,
            seed,
            i,
            p.name,
            JSON.stringify(p.kernelShape),
            blobOf(p.kernel),
            blobOf(p.bias),
          );
        });
      });
    },

    loadModel(runId, seed) {
      const rows = stmt(
        "SELECT layer, kernel_shape, kernel, bias FROM models WHERE run_id = ? AND seed = ? " +
          "ORDER BY idx",
      ).all(runId, seed) as Record<string, SQLInputValue>[];
      return modelFromRows(rows);
    },

    modelSeeds(runId) {
      const rows = stmt(
        "SELECT DISTINCT seed FROM models WHERE run_id = ? ORDER BY seed",
      ).all(runId) as { seed: number }[];
      return rows.map((r) => Number(r.seed));
    },

    importRun(copy) {
      return importRun(sql, copy);
    },

    renameRun(id, name) {
      requireRunId(id);
      stmt("UPDATE runs SET name = ? WHERE id = ?").run(name, id);
    },

    setRunTags(id, tags) {
      requireRunId(id);
      transaction(() => {
        // created on first use: databases without tags keep their schema
        db.exec(
          "CREATE TABLE IF NOT EXISTS run_tags (run_id TEXT NOT NULL, tag TEXT NOT NULL, " +
            "PRIMARY KEY (run_id, tag))",
        );
        stmt("DELETE FROM run_tags WHERE run_id = ?").run(id);
        const insert = stmt("INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)");
        for (const t of tags) insert.run(id, t);
      });
    },

    runTags(id) {
      if (!hasTagTable()) return [];
      return (stmt("SELECT tag FROM run_tags WHERE run_id = ? ORDER BY tag").all(id) as {
        tag: string;
      }[]).map((r) => r.tag);
    },

    storedAnswer(runId, key) {
      return answers.storedAnswer(runId, key);
    },

    storeAnswer(runId, key, body) {
      return !readOnly && answers.storeAnswer(runId, key, body);
    },

    deleteRun(id) {
      requireRunId(id);
      transaction(() => {
        for (const t of ["results", "epochs", "plugin_errors", "models"]) {
          stmt(`DELETE FROM ${t} WHERE run_id = ?`).run(id);
        }
        if (hasTagTable()) stmt("DELETE FROM run_tags WHERE run_id = ?").run(id);
        answers.dropAnswers(id);
        stmt("DELETE FROM runs WHERE id = ?").run(id);
      });
    },

    close() {
      if (closed) return;
      closed = true;
      statements.clear();
      db.close();
    },
  };
  // a corrupt page met by any query: a damaged-database error, not a crash
  for (const [key, value] of Object.entries(store)) {
    if (typeof value !== "function") continue;
    const fn = value as (...a: unknown[]) => unknown;
    (store as unknown as Record<string, unknown>)[key] = (...args: unknown[]) => {
      try {
        return fn(...args);
      } catch (e) {
        if (isCorruption(e)) throw damaged(path, errorMessage(e));
        throw e;
      }
    };
  }
  return store;
}
