/**
 * What a run-database file is, decided before layerlens writes to it: a
 * new (missing or empty) file, a layerlens database of this schema
 * version, an older one to migrate, or something to refuse: a file that is
 * not SQLite or is cut short (damaged), a SQLite database of another
 * program (foreign), one written by a newer layerlens, or a layerlens
 * database missing one of its tables (damaged).
 *
 * A layerlens database carries `PRAGMA application_id` =
 * {@link APPLICATION_ID} and `PRAGMA user_version` = its schema version.
 * Databases written before versions were recorded (application_id 0, a
 * `runs` and a `results` table of layerlens' shape) count as version 0.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { errorMessage, LensError } from "./errors.ts";

/** `PRAGMA application_id` of a layerlens database ("LLRS"). */
export const APPLICATION_ID = 0x4c4c5253;

/** The schema version this layerlens writes (`PRAGMA user_version`). */
export const SCHEMA_VERSION = 1;

/** The tables of the current schema. */
export const TABLES = ["runs", "results", "epochs", "plugin_errors", "models"] as const;

/** Tables every layerlens database has had since the first version. */
const CORE_TABLES = ["runs", "results", "epochs"];

/** What a database file holds. */
export type StoreFileKind =
  | { kind: "new" }
  | { kind: "layerlens"; version: number; missing: string[] };

/** A `store` error naming the file: damaged, foreign or newer. */
export function storeError(path: string, message: string, expected: string): LensError {
  return new LensError(message, { code: "store", file: path, expected });
}

/** A damaged-database error: what is wrong and what to do. */
export function damaged(path: string, why: string): LensError {
  return storeError(
    path,
    `the run database is damaged: ${why}`,
    "a layerlens run database (restore it from a copy, or choose another with --db)",
  );
}

/** Checks the file's first bytes: the SQLite header, and a size that holds every page. */
function checkHeader(path: string): "empty" | "sqlite" {
  const size = Deno.statSync(path).size;
  if (size === 0) return "empty";
  const head = new Uint8Array(100);
  let n: number;
  const f = Deno.openSync(path, { read: true });
  try {
    n = f.readSync(head) ?? 0;
  } finally {
    f.close();
  }
  const magic = "SQLite format 3\0";
  if (n < 100 || [...magic].some((c, i) => head[i] !== c.charCodeAt(0))) {
    throw damaged(path, "it is not a SQLite database (its header is missing)");
  }
  const v = new DataView(head.buffer);
  const raw = v.getUint16(16);
  const pageSize = raw === 1 ? 65536 : raw;
  const pages = v.getUint32(28);
  // The page count is valid when the "version valid for" number matches the change counter.
  // Beside a write-ahead log or a rollback journal the file may be short for a moment (a
  // checkpoint copying pages in, a transaction growing it; SQLite's own reads settle that), so
  // only a file with neither is measured, its size read after that look (a checkpoint that
  // ended meanwhile has grown it to what the header says).
  const logged = [`${path}-wal`, `${path}-journal`].some((f) => existsSync(f));
  if (pages > 0 && v.getUint32(92) === v.getUint32(24) && !logged) {
    const now = Deno.statSync(path).size;
    if (now < pages * pageSize) {
      throw damaged(
        path,
        `it is cut short (${now} bytes, its header counts ${pages} pages of ${pageSize} bytes)`,
      );
    }
  }
  return "sqlite";
}

/**
 * Decides what the database at `path` is without changing it (it is read
 * through a read-only connection); throws a {@link LensError} for a file to
 * refuse. A path that does not exist is `new`.
 */
export function inspectStoreFile(path: string): StoreFileKind {
  let header: "empty" | "sqlite";
  try {
    header = checkHeader(path);
  } catch (e) {
    if (e instanceof LensError) throw e;
    if (e instanceof Deno.errors.NotFound) return { kind: "new" };
    throw storeError(path, `cannot read the run database: ${errorMessage(e)}`, "a readable file");
  }
  if (header === "empty") return { kind: "new" };
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
  } catch (e) {
    throw damaged(path, errorMessage(e));
  }
  try {
    let appId: number, version: number, tables: string[];
    try {
      // one read transaction: the stamp and the tables as of one moment, even while
      // another process is creating or migrating the file (waiting out its commit)
      db.exec("PRAGMA busy_timeout = 5000");
      db.exec("BEGIN");
      try {
        appId = Number(
          (db.prepare("PRAGMA application_id").get() as Record<string, unknown>)
            .application_id,
        );
        version = Number(
          (db.prepare("PRAGMA user_version").get() as Record<string, unknown>)
            .user_version,
        );
        tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
          name: string;
        }[]).map((r) => r.name);
      } finally {
        db.exec("COMMIT");
      }
    } catch (e) {
      throw damaged(path, errorMessage(e));
    }
    const columns = (table: string): string[] =>
      (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    if (appId === 0 && version === 0 && tables.length === 0) return { kind: "new" };
    const ours = appId === APPLICATION_ID ||
      (appId === 0 && version === 0 && tables.includes("runs") &&
        ["id", "name", "status", "config", "seeds"].every((c) => columns("runs").includes(c)));
    if (!ours) {
      const shown = tables.slice(0, 5).join(", ") + (tables.length > 5 ? ", ..." : "");
      throw storeError(
        path,
        `not a layerlens run database (a SQLite database of another program${
          tables.length ? `, with tables ${shown}` : ""
        }); it was left untouched`,
        "a database written by 'lens run' (choose one with --db FILE, or a new path)",
      );
    }
    if (version > SCHEMA_VERSION) {
      throw storeError(
        path,
        `the run database has schema version ${version}, newer than the ${SCHEMA_VERSION} this ` +
          "layerlens knows; it was left untouched",
        "a newer layerlens to read it",
      );
    }
    const lost = CORE_TABLES.filter((t) => !tables.includes(t));
    const missing = TABLES.filter((t) => !tables.includes(t));
    if (lost.length || (version === SCHEMA_VERSION && missing.length)) {
      throw damaged(path, `table ${[...new Set([...lost, ...missing])].join(", ")} is missing`);
    }
    return { kind: "layerlens", version, missing };
  } finally {
    db.close();
  }
}
