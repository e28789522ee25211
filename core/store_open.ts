/**
 * One entry point for every store a command can be given with `--db`: a
 * SQLite file path (the embedded default) or, once a server backend is
 * configured, a `postgres://` URL. Commands and the server open stores
 * through {@link openStoreAt} only, so a new backend needs no change to them.
 *
 * @module
 */
import { LensError } from "./errors.ts";
import { openStore, type OpenStoreOptions } from "./store.ts";
import type { Store } from "./types.ts";

/** Whether `target` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * Opens the store named by `target`: a `postgres://` URL or a SQLite path.
 *
 * @example
 * ```ts
 * const store = openStoreAt("runs.db");
 * store.listRuns();
 * store.close();
 * ```
 */
export function openStoreAt(target: string, options: OpenStoreOptions = {}): Store {
  if (isPostgresUrl(target)) {
    throw new LensError("PostgreSQL stores are not available in this build", {
      code: "usage",
      field: "--db",
      expected: "a SQLite file path",
    });
  }
  return openStore(target, options);
}
