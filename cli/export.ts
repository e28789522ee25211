/**
 * `lens export <run>`: a run's tidy records as CSV or JSON.
 *
 * @module
 */
import { realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { LensError } from "../core/errors.ts";
import { openStoreAt } from "../core/store_open.ts";
import { choiceFlag, dbPath, DEFAULT_DB, parseFlags } from "./args.ts";
import { findRun } from "./find_run.ts";
import { recordsToCsv, recordsToJson, writeStdout } from "./records_output.ts";

/** Help text of `lens export`. */
export const HELP = `lens export <run> [options]

Writes a run's records in tidy form, one row per number, with the columns
run, plugin, layer, epoch, seed, index, metric, value (seed -1 holds
aggregates over seeds: metrics suffixed _mean, _sd, _q25, _q75). <run> is a
run id, a unique prefix of one, or latest.

Options:
  --format F    csv (default) or json
  --out FILE    write to FILE instead of stdout (never the run database; an
                existing FILE only with --force; its folder must exist)
  --force       overwrite an existing --out FILE
  --db FILE|URL run database: a SQLite file (default $LAYERLENS_DB, else ./${DEFAULT_DB})
                or a PostgreSQL URL postgres://user@host[:port]/db
  -h, --help    this help

Example:
  deno task lens export latest --format csv --out run.csv
  deno task lens export latest --format json --out run.json --force
  # pandas: pd.read_csv("run.csv").query("plugin == 'mi-binned' and metric == 'ixt'")
`;

/** The real path of `p` (links resolved), or of its folder joined with its name when it does not exist. */
function realTarget(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    try {
      return join(realpathSync(dirname(resolve(p))), basename(p));
    } catch {
      return resolve(p);
    }
  }
}

/**
 * Throws a usage error unless `out` may be written: not the run database
 * (nor its -wal / -shm files), not an existing file without `force`, not a
 * folder, and in a folder that exists.
 */
export function checkOutPath(out: string, db: string, force: boolean): void {
  const fail = (message: string, expected: string): never => {
    throw new LensError(message, { code: "usage", file: out, field: "--out", expected });
  };
  const target = realTarget(out);
  const dbReal = realTarget(db);
  if ([dbReal, `${dbReal}-wal`, `${dbReal}-shm`, `${dbReal}-journal`].includes(target)) {
    fail("this is the run database itself; exporting would overwrite it", "another file");
  }
  let info: Deno.FileInfo | undefined;
  try {
    info = Deno.statSync(out);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (info?.isDirectory) fail("is a folder", "a file path");
  if (info && !force) fail("the file exists", "a new file, or --force to overwrite it");
  const folder = dirname(resolve(out));
  let dirInfo: Deno.FileInfo | undefined;
  try {
    dirInfo = Deno.statSync(folder);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound) && !(e instanceof Deno.errors.NotADirectory)) throw e;
  }
  if (!dirInfo?.isDirectory) fail(`no such folder ${folder}`, "a file in an existing folder");
}

/** Runs `lens export`. */
export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags("export", args, {
    format: { type: "string" },
    out: { type: "string" },
    force: { type: "boolean" },
    db: { type: "string" },
  }, { min: 1, max: 1, names: "<run>" });
  const format = choiceFlag("export", "format", values.format, ["csv", "json"], "csv");
  const db = dbPath(values.db);
  const out = typeof values.out === "string" ? values.out : undefined;
  if (out !== undefined) checkOutPath(out, db, values.force === true);
  const store = openStoreAt(db, { readOnly: true });
  try {
    const run = findRun(store, positionals[0]);
    const records = store.queryResults(run.id);
    const text = format === "csv" ? recordsToCsv(run.id, records) : recordsToJson(run.id, records);
    if (out !== undefined) {
      await Deno.writeTextFile(out, text);
      console.error(`wrote ${records.length} records of run ${run.id} to ${out}`);
    } else {
      await writeStdout(text);
    }
  } finally {
    store.close();
  }
  return 0;
}
