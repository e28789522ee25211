/**
 * One entry point for every store a command can be given with `--db`: a
 * SQLite file path (the embedded default) or a `postgres://` URL (a shared
 * PostgreSQL database, core/store/postgres.ts). Commands and the server
 * open stores through {@link openStoreAt} only, so a new backend needs no
 * change to them.
 *
 * @module
 */
import { openStore, type OpenStoreOptions } from "./store.ts";
import { openPostgresStore } from "./store/postgres.ts";
import { isPostgresUrl } from "./store/pg_url.ts";
import type { Store } from "./types.ts";

export { isPostgresUrl, redactUrl } from "./store/pg_url.ts";

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
  if (isPostgresUrl(target)) return openPostgresStore(target, options);
  return openStore(target, options);
}
