/**
 * Clearing what some seeds of a run wrote (results, epoch rows, stored
 * models), so that a retried queue job replaces a failed attempt's partial
 * records instead of adding to them. Seed -1 are the seed aggregates,
 * which the final step of a variant clears and writes again.
 *
 * A store that knows how to do this itself offers `clearSeeds` (see
 * {@link SeedClearing}); for a SQLite file the rows are deleted here in
 * one transaction through node:sqlite (WAL, busy timeout: several workers
 * share the file).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { LensError } from "../errors.ts";
import { isPostgresUrl } from "../store_open.ts";
import type { Store } from "../types.ts";

/** A store that can delete some seeds' rows of a run itself. */
export interface SeedClearing {
  /** Deletes the results, epoch rows and models of `seeds` of run `runId`, in one transaction. */
  clearSeeds(runId: string, seeds: readonly number[]): void;
}

function hasClearSeeds(store: Store): store is Store & SeedClearing {
  return typeof (store as Partial<SeedClearing>).clearSeeds === "function";
}

/**
 * Deletes the rows `seeds` of run `runId` wrote in the store `store`
 * opened at `target` (a SQLite path or a store with `clearSeeds`).
 */
export function clearSeeds(
  store: Store,
  target: string,
  runId: string,
  seeds: readonly number[],
): void {
  if (hasClearSeeds(store)) return store.clearSeeds(runId, seeds);
  if (isPostgresUrl(target)) {
    throw new LensError("this store cannot clear a retried job's partial records", {
      code: "store",
      field: "--db",
      expected: "a store with clearSeeds (SQLite, or a PostgreSQL backend that offers it)",
    });
  }
  const db = new DatabaseSync(target);
  try {
    db.exec("PRAGMA busy_timeout = 10000");
    db.exec("BEGIN IMMEDIATE");
    try {
      for (const table of ["results", "epochs", "models"]) {
        const del = db.prepare(`DELETE FROM ${table} WHERE run_id = ? AND seed = ?`);
        for (const s of seeds) del.run(runId, s);
      }
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      throw e;
    }
  } finally {
    db.close();
  }
}
