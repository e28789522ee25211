/**
 * The run store. Two backends share one synchronous {@link Store}
 * interface: SQLite (core/store/sqlite.ts, the embedded default) and
 * PostgreSQL (core/store/postgres.ts, for many writers on many machines).
 * Commands open stores through core/store_open.ts; this module keeps the
 * SQLite entry point and the shared helpers where callers found them.
 *
 * @module
 */
export { checkRunId, newRunId, type OpenStoreOptions, processAlive } from "./store/common.ts";
export { openStore } from "./store/sqlite.ts";
