/**
 * `lens export <run>`: a run's tidy records as CSV or JSON.
 *
 * @module
 */
import { openStore } from "../core/store.ts";
import { choiceFlag, dbPath, DEFAULT_DB, parseFlags, requireDb } from "./args.ts";
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
  --out FILE    write to FILE instead of stdout
  --db FILE     run database (default ./${DEFAULT_DB})
  -h, --help    this help

Example:
  deno task lens export latest --format csv --out run.csv
  # pandas: pd.read_csv("run.csv").query("plugin == 'mi-binned' and metric == 'ixt'")
`;

/** Runs `lens export`. */
export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags("export", args, {
    format: { type: "string" },
    out: { type: "string" },
    db: { type: "string" },
  }, { min: 1, max: 1, names: "<run>" });
  const format = choiceFlag("export", "format", values.format, ["csv", "json"], "csv");
  const db = dbPath(values.db);
  requireDb(db);
  const store = openStore(db);
  try {
    const run = findRun(store, positionals[0]);
    const records = store.queryResults(run.id);
    const text = format === "csv" ? recordsToCsv(run.id, records) : recordsToJson(run.id, records);
    if (typeof values.out === "string") {
      await Deno.writeTextFile(values.out, text);
      console.error(`wrote ${records.length} records of run ${run.id} to ${values.out}`);
    } else {
      await writeStdout(text);
    }
  } finally {
    store.close();
  }
  return 0;
}
