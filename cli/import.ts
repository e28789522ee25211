/**
 * `lens import`: copies runs made elsewhere (a SQLite file written offline,
 * another PostgreSQL database) into the `--db` store, ids kept.
 *
 * @module
 */
import { copyRuns } from "../core/store/copy_runs.ts";
import { redactUrl } from "../core/store/pg_url.ts";
import { openStoreAt } from "../core/store_open.ts";
import { dbPath, DEFAULT_DB, listFlag, parseFlags, usageError } from "./args.ts";
import { writeStdout } from "./records_output.ts";

/** Help text of `lens import`. */
export const HELP = `lens import --from FILE|URL [options]

Copies the runs of another run store into the --db store: every run (or
those named with --run), each whole (records, epochs, plugin errors, kept
models) in one transaction, its id kept. Runs the target already has are
skipped, so importing the same file twice copies nothing the second time;
runs still running in the source are skipped too.

Options:
  --from FILE|URL  the store to copy from (a SQLite file or postgres:// URL)
  --run ID         copy only this run (repeatable)
  --db FILE|URL    the store to copy into: a SQLite file (default $LAYERLENS_DB, else ./${DEFAULT_DB})
                   or a PostgreSQL URL postgres://user@host[:port]/db
  -h, --help       this help

Example:
  deno task lens import --from offline.db --db postgres://lab@db.lab:5432/runs
`;

/** Runs `lens import`. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseFlags("import", args, {
    from: { type: "string" },
    run: { type: "string", multiple: true },
    db: { type: "string" },
  }, { min: 0, max: 0, names: "" });
  if (typeof values.from !== "string" || values.from === "") {
    throw usageError("import", "--from FILE|URL is required", "--from runs.db");
  }
  const from = dbPath(values.from);
  const to = dbPath(values.db);
  if (from === to) throw usageError("import", "--from and --db name the same store", "two stores");
  const ids = listFlag(values.run);
  const source = openStoreAt(from, { readOnly: true });
  try {
    const target = openStoreAt(to);
    try {
      const r = copyRuns(source, target, ids.length ? ids : undefined);
      const lines = [
        `imported ${r.copied.length} run(s) from ${redactUrl(from)} into ${redactUrl(to)}` +
        (r.copied.length ? `: ${r.copied.join(", ")}` : ""),
      ];
      if (r.present.length) lines.push(`already there (skipped): ${r.present.join(", ")}`);
      if (r.running.length) lines.push(`still running (skipped): ${r.running.join(", ")}`);
      await writeStdout(lines.join("\n") + "\n");
      return 0;
    } finally {
      target.close();
    }
  } finally {
    source.close();
  }
}
