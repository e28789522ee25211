/**
 * Clearing what some seeds of a run wrote (results, epoch rows, stored
 * models), so that a retried queue job replaces a failed attempt's partial
 * records instead of adding to them. Seed -1 are the seed aggregates,
 * which the final step of a variant clears and writes again. Both built-in
 * stores do it in one transaction ({@link Store.clearSeeds}); a store
 * without it cannot take queue jobs.
 *
 * @module
 */
import { LensError } from "../errors.ts";
import type { Store } from "../types.ts";

/** Deletes the rows `seeds` of run `runId` wrote in `store`. */
export function clearSeeds(store: Store, runId: string, seeds: readonly number[]): void {
  if (!store.clearSeeds) {
    throw new LensError("this store cannot clear a retried job's partial records", {
      code: "store",
      field: "--db",
      expected: "a store with clearSeeds (SQLite or PostgreSQL)",
    });
  }
  store.clearSeeds(runId, seeds);
}
