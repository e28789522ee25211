/**
 * The tidy schema of the run store, written once per backend: `runs`,
 * `results` (indexed on run_id + plugin + metric and on run_id + id),
 * `epochs`, `plugin_errors`, and `models`: the trained parameters of runs
 * made with `keep_models` (one row per seed and hook point with weights, in
 * hook order: its name, kernel shape as JSON, and kernel and bias as
 * float32 little-endian bytes). Both backends have the same tables and
 * columns; only the types differ (BLOB / bytea, REAL / double precision,
 * rowid / identity).
 *
 * @module
 */

/** The SQLite schema (created when a file is new). */
export const SQLITE_SCHEMA = `
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
