/**
 * `lens runs`: the runs in a database, newest first.
 *
 * @module
 */
import { openStoreAt } from "../core/store_open.ts";
import type { RunRow } from "../core/types.ts";
import { choiceFlag, dbPath, DEFAULT_DB, parseFlags } from "./args.ts";
import { writeStdout } from "./records_output.ts";
import { textTable } from "../core/text_table.ts";

/** Help text of `lens runs`. */
export const HELP = `lens runs [options]

Lists the runs in a database, newest first: id, name, status, when it
started, seeds, how far training got, and how long it took.

Options:
  --db FILE|URL run database: a SQLite file (default $LAYERLENS_DB, else ./${DEFAULT_DB})
                or a PostgreSQL URL postgres://user@host[:port]/db
  --format F    text (default) or json
  -h, --help    this help

Example:
  deno task lens runs --db runs.db
`;

/** `2026-11-24T01:53:07.123Z` -> `2026-11-24 01:53 UTC`. */
export function shortTime(iso: string | null): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : "-";
}

/** How far training got: the lowest last epoch over seeds, 1-based, of the total. */
function progressText(r: RunRow): string {
  const cfg = r.config as { training?: { epochs?: number } };
  const total = cfg.training?.epochs;
  if (!r.progress.length) return "-";
  const reached = Math.min(...r.progress.map((p) => p.epoch)) + 1;
  return total ? `${reached}/${total}` : String(reached);
}

/** The runs as a text table. */
export function formatRuns(runs: RunRow[]): string {
  if (!runs.length) return "no runs yet (start one with: deno task lens run <config.yaml>)\n";
  const rows = runs.map((r) => [
    r.id,
    r.name,
    r.status,
    shortTime(r.createdAt),
    String(r.seeds.length),
    progressText(r),
    Number.isFinite(r.timings.total_s) ? `${r.timings.total_s.toFixed(1)}s` : "-",
    r.pluginErrors.length ? `${r.pluginErrors.length} plugin error(s)` : r.error ? "error" : "",
  ]);
  return textTable([["id", "name", "status", "started", "seeds", "epochs", "time", ""]], rows) +
    "\n";
}

/** Runs `lens runs`. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseFlags("runs", args, {
    db: { type: "string" },
    format: { type: "string" },
  }, { min: 0, max: 0, names: "" });
  const format = choiceFlag("runs", "format", values.format, ["text", "json"], "text");
  const db = dbPath(values.db);
  const store = openStoreAt(db, { readOnly: true });
  try {
    const runs = store.listRuns();
    await writeStdout(format === "json" ? JSON.stringify(runs, null, 2) + "\n" : formatRuns(runs));
  } finally {
    store.close();
  }
  return 0;
}
