/**
 * Where a command finds its run database when `--db` is not given.
 *
 * @module
 */

/**
 * Environment variable naming the run database when `--db` is not given (a
 * path or a `postgres://` URL). The dashboard hands its store to the runs it
 * starts this way, so a password in a URL never shows on a command line
 * (`ps`).
 */
export const DB_ENV = "LAYERLENS_DB";
