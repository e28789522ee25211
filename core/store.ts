/**
 * The run store: one SQLite file (node:sqlite) holding runs, their tidy
 * result records, per-epoch training statistics and plugin errors.
 *
 * The file is opened in WAL mode with a busy timeout (or read-only for
 * the reading commands, which then never change it), so a reader (the
 * dashboard server) can open it while a CLI process writes. Every write is
 * a transaction: a batch of records is either all stored or none. When a
 * store is opened, runs still marked `running` whose writing process is
 * gone (same host, pid no longer alive) are marked `interrupted`; whatever
 * they wrote stays readable.
 *
 * Tables: `runs`, `results` (indexed on run_id + plugin + metric and on
 * run_id + id), `epochs`, `plugin_errors`, and `models`: the trained
 * parameters of runs made with `keep_models` (one row per seed and hook
 * point with weights, in hook order: its name, kernel shape as JSON, and
 * kernel and bias as float32 little-endian BLOBs).
 *
 * @module
 */
import { hostname } from "node:os";
import process from "node:process";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { RECORD_SHAPE, recordProblem } from "./check_record.ts";
import { errorMessage, LensError } from "./errors.ts";
import {
  APPLICATION_ID,
  damaged,
  inspectStoreFile,
  SCHEMA_VERSION,
  storeError,
} from "./store_file.ts";
import type {
  EpochEndEvent,
  LayerParams,
  ResultFilter,
  ResultRecord,
  RunRow,
  RunStatus,
  Store,
} from "./types.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  config TEXT NOT NULL,
  seeds TEXT NOT NULL,
  backend TEXT NOT NULL,
  engine TEXT NOT NULL,
  versions TEXT NOT NULL,
  timings TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  finished_at TEXT,
  error TEXT,
  pid INTEGER,
  host TEXT
);
CREATE TABLE IF NOT EXISTS results (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  plugin TEXT NOT NULL,
  layer TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  seed INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  metric TEXT NOT NULL,
  value REAL
);
CREATE INDEX IF NOT EXISTS results_run_plugin_metric ON results (run_id, plugin, metric);
CREATE INDEX IF NOT EXISTS results_run_id ON results (run_id, id);
CREATE TABLE IF NOT EXISTS epochs (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  seed INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  loss REAL,
  accuracy REAL,
  test_loss REAL,
  test_accuracy REAL
);
CREATE INDEX IF NOT EXISTS epochs_run_id ON epochs (run_id, id);
CREATE INDEX IF NOT EXISTS epochs_run_seed ON epochs (run_id, seed, id);
CREATE TABLE IF NOT EXISTS plugin_errors (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  plugin TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS plugin_errors_run ON plugin_errors (run_id, id);
CREATE TABLE IF NOT EXISTS models (
  run_id TEXT NOT NULL,
  seed INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  layer TEXT NOT NULL,
  kernel_shape TEXT NOT NULL,
  kernel BLOB NOT NULL,
  bias BLOB NOT NULL,
  PRIMARY KEY (run_id, seed, idx)
);
`;

/** A statement that may return rows as arrays (node:sqlite, Node >= 24). */
type ArrayStatement = StatementSync & { setReturnArrays?: (on: boolean) => void };

/** Rows per multi-row INSERT in appendResults (fewer calls into SQLite: ~2x faster). */
const CHUNK = 32;
const INSERT_COLS = "INSERT INTO results (run_id, plugin, layer, epoch, seed, idx, metric, value)";

/** Ids a caller may choose: short, URL- and file-name-safe. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Throws a usage error unless `id` is a valid run id (letters, digits, `_ . -`, at most 128). */
export function checkRunId(id: string): void {
  if (typeof id !== "string" || !RUN_ID.test(id)) {
    throw new LensError(`run id ${JSON.stringify(id)} is not a valid id`, {
      code: "usage",
      field: "run id",
      expected: "1-128 characters from A-Z a-z 0-9 _ . - starting with a letter or digit",
    });
  }
}

/**
 * A new run id: UTC date and minute, then 4 random hex digits, e.g.
 * `20261124-0153-a3f2`. Ids sort by creation time (to the minute).
 */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-11-24T01:53:07.123Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${
    iso.slice(14, 16)
  }`;
  const rand = crypto.getRandomValues(new Uint16Array(1))[0].toString(16).padStart(4, "0");
  return `${stamp}-${rand}`;
}

/**
 * Whether process `pid` is alive on this machine. A zombie (exited, not yet
 * reaped) counts as gone.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (Deno.build.os === "linux") {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      // "pid (comm) S ...": the state follows the last ')'
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      return state !== "Z" && state !== "X";
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      // /proc unreadable: fall back to a signal probe
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM"; // exists, owned by someone else
  }
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** SQLite stores NaN as NULL; read it back as NaN. */
function num(v: unknown): number {
  return v === null || v === undefined ? NaN : Number(v);
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function orNull(v: number | undefined): number | null {
  return v === undefined || v === null ? null : v;
}

/** Throws unless record `i` has the types of a {@link ResultRecord}. */
function checkRecord(r: ResultRecord, i: number): void {
  const problem = recordProblem(r);
  if (problem) {
    throw new LensError(`record ${i} is not a result record: ${problem}`, {
      code: "store",
      field: `records[${i}]`,
      expected: RECORD_SHAPE,
    });
  }
}

/** The bytes of a float32 array, for a BLOB (a view, no copy). */
function blobOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A float32 array read back from a BLOB (copied, so aligned). */
function floatsOf(v: unknown): Float32Array {
  const u = v as Uint8Array;
  return new Float32Array(u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength));
}

/** Throws unless `p` is one hook point's parameters with consistent sizes. */
function checkLayerParams(p: LayerParams, i: number): void {
  const ok = p !== null && typeof p === "object" && typeof p.name === "string" &&
    Array.isArray(p.kernelShape) && p.kernelShape.every((d) => Number.isInteger(d) && d > 0) &&
    p.kernel instanceof Float32Array && p.bias instanceof Float32Array &&
    p.kernel.length === p.kernelShape.reduce((a, d) => a * d, 1) &&
    p.bias.length === p.kernelShape[p.kernelShape.length - 1];
  if (!ok) {
    throw new LensError(`parameters ${i} are not one hook point's kernel and bias`, {
      code: "store",
      field: `params[${i}]`,
      expected: "{ name, kernelShape, kernel: Float32Array (product of the shape), " +
        "bias: Float32Array (last dimension) }",
    });
  }
}

/** How {@link openStore} opens a database. */
export interface OpenStoreOptions {
  /**
   * Read only (the reading commands): the file is never created, changed
   * or migrated; a path with no database is a `not_found` error.
   */
  readOnly?: boolean;
  /** Refuse (`not_found`) rather than create a database that does not exist (implied by readOnly). */
  mustExist?: boolean;
}

/** Whether `e` is SQLite saying the file is corrupt or not a database. */
function isCorruption(e: unknown): boolean {
  const code = (e as { errcode?: number })?.errcode;
  return code === 11 || code === 26 || /malformed|not a database/i.test(errorMessage(e));
}

/** Brings a database of an older schema `version` to {@link SCHEMA_VERSION}. */
function migrate(db: DatabaseSync, version: number): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    if (version < 1) {
      // before versions were recorded: tables and columns added over time
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
    db.exec("PRAGMA busy_timeout = 10000");
    if (!readOnly) {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      if (state.kind === "new") {
        db.exec(SCHEMA);
        db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
        db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      } else if (state.version < SCHEMA_VERSION) {
        migrate(db, state.version);
      }
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

  const host = hostname();

  const markDeadWriters = () => {
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
  };
  if (!readOnly) markDeadWriters();

  /** A run still marked running whose writer is gone (read-only stores cannot mark it). */
  const deadWriter = (r: Record<string, SQLInputValue>): boolean =>
    r.status === "running" && r.host === host && typeof r.pid === "number" &&
    r.pid !== Deno.pid && !processAlive(r.pid);

  const rowToRun = (r: Record<string, SQLInputValue>): RunRow => {
    const id = r.id as string;
    const pluginErrors = stmt(
      "SELECT plugin, message FROM plugin_errors WHERE run_id = ? ORDER BY id",
    ).all(id) as { plugin: string; message: string }[];
    const progress = (stmt(
      "SELECT seed, epoch, loss, accuracy FROM epochs WHERE id IN " +
        "(SELECT MAX(id) FROM epochs WHERE run_id = ? GROUP BY seed) ORDER BY seed",
    ).all(id) as Record<string, SQLInputValue>[]).map((e) => ({
      seed: Number(e.seed),
      epoch: Number(e.epoch),
      loss: num(e.loss),
      accuracy: num(e.accuracy),
    }));
    const dead = readOnly && deadWriter(r);
    return {
      id,
      name: r.name as string,
      status: dead ? "interrupted" : r.status as RunStatus,
      config: parseJson(r.config as string, {}),
      seeds: parseJson(r.seeds as string, []),
      backend: r.backend as string,
      engine: r.engine as string,
      versions: parseJson(r.versions as string, {}),
      timings: parseJson(r.timings as string, {}),
      createdAt: r.created_at as string,
      finishedAt: (r.finished_at as string | null) ?? null,
      error: dead
        ? `the process writing this run (pid ${r.pid} on ${r.host}) ended before the run finished`
        : (r.error as string | null) ?? null,
      pluginErrors: pluginErrors.map((e) => ({ plugin: e.plugin, message: e.message })),
      progress,
    };
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
  const hasTagTable = () =>
    !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_tags'").get();

  const store: Store = {
    path,

    createRun(init) {
      let id = init.id;
      if (id !== undefined) {
        checkRunId(id);
        if (stmt("SELECT 1 FROM runs WHERE id = ?").get(id)) {
          throw new LensError(`a run with id "${id}" already exists`, {
            code: "usage",
            file: path,
            field: "run id",
            expected: "a new id",
          });
        }
      } else {
        do id = newRunId(); while (stmt("SELECT 1 FROM runs WHERE id = ?").get(id));
      }
      stmt(
        "INSERT INTO runs (id, name, status, config, seeds, backend, engine, versions, timings, " +
          "created_at, pid, host) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, '{}', ?, ?, ?)",
      ).run(
        id,
        init.name,
        JSON.stringify(init.config),
        JSON.stringify(init.seeds),
        init.backend,
        init.engine,
        JSON.stringify(init.versions),
        new Date().toISOString(),
        Deno.pid,
        host,
      );
      return id;
    },

    appendResults(runId, records) {
      if (!records.length) return;
      const one = stmt(`${INSERT_COLS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
      const many = stmt(
        `${INSERT_COLS} VALUES ${Array(CHUNK).fill("(?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
      );
      transaction(() => {
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
      });
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
      const where = ["run_id = ?"];
      const params: SQLInputValue[] = [runId];
      if (filter.plugin !== undefined) {
        where.push("plugin = ?");
        params.push(filter.plugin);
      }
      if (filter.layer !== undefined) {
        where.push("layer = ?");
        params.push(filter.layer);
      }
      if (filter.metric !== undefined) {
        const metrics = Array.isArray(filter.metric) ? filter.metric : [filter.metric];
        if (!metrics.length) return [];
        where.push(`metric IN (${metrics.map(() => "?").join(", ")})`);
        params.push(...metrics);
      }
      if (filter.seed !== undefined) {
        where.push("seed = ?");
        params.push(filter.seed);
      }
      if (filter.epochMin !== undefined) {
        where.push("epoch >= ?");
        params.push(filter.epochMin);
      }
      if (filter.epochMax !== undefined) {
        where.push("epoch <= ?");
        params.push(filter.epochMax);
      }
      if (filter.afterId !== undefined) {
        where.push("id > ?");
        params.push(filter.afterId);
      }
      const rows = arrayRows(
        "SELECT id, plugin, layer, epoch, seed, idx, metric, value FROM results " +
          `WHERE ${where.join(" AND ")} ORDER BY id` +
          (filter.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : ""),
        params,
      ) as [
        number,
        string,
        string,
        number,
        number,
        number,
        string,
        number | null,
      ][];
      const out: (ResultRecord & { id: number })[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        out[i] = {
          id: r[0],
          plugin: r[1],
          layer: r[2],
          epoch: r[3],
          seed: r[4],
          index: r[5],
          metric: r[6],
          value: r[7] === null ? NaN : r[7],
        };
      }
      return out;
    },

    epochsSince(runId, afterId) {
      const rows = stmt(
        "SELECT id, seed, epoch, loss, accuracy, test_loss, test_accuracy FROM epochs " +
          "WHERE run_id = ? AND id > ? ORDER BY id",
      ).all(runId, afterId) as Record<string, SQLInputValue>[];
      return rows.map((r) => ({
        id: Number(r.id),
        seed: Number(r.seed),
        epoch: Number(r.epoch),
        loss: num(r.loss),
        accuracy: num(r.accuracy),
        testLoss: numOrNull(r.test_loss),
        testAccuracy: numOrNull(r.test_accuracy),
      }));
    },

    saveModel(runId, seed, params) {
      requireRunId(runId);
      if (!Number.isInteger(seed)) {
        throw new LensError(`seed ${seed} is not an integer`, {
          code: "store",
          field: "seed",
          expected: "an integer seed",
        });
      }
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
      if (!rows.length) return undefined;
      return rows.map((r) => ({
        name: r.layer as string,
        kernelShape: parseJson<number[]>(r.kernel_shape as string, []),
        kernel: floatsOf(r.kernel),
        bias: floatsOf(r.bias),
      }));
    },

    modelSeeds(runId) {
      const rows = stmt(
        "SELECT DISTINCT seed FROM models WHERE run_id = ? ORDER BY seed",
      ).all(runId) as { seed: number }[];
      return rows.map((r) => Number(r.seed));
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

    deleteRun(id) {
      requireRunId(id);
      transaction(() => {
        for (const t of ["results", "epochs", "plugin_errors", "models"]) {
          stmt(`DELETE FROM ${t} WHERE run_id = ?`).run(id);
        }
        if (hasTagTable()) stmt("DELETE FROM run_tags WHERE run_id = ?").run(id);
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
