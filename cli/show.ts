/**
 * `lens show <run>`: one run's config, status, timings, plugin errors and
 * information-plane table.
 *
 * @module
 */
import { stringify } from "../deps/yaml.ts";
import { configToYaml } from "../core/config.ts";
import { openStoreAt } from "../core/store_open.ts";
import type { Plugin, ResultRecord, RunConfig, RunRow } from "../core/types.ts";
import { choiceFlag, dbPath, DEFAULT_DB, listFlag, parseFlags } from "./args.ts";
import { loadRegistry } from "./load_plugins.ts";
import { findRun } from "./find_run.ts";
import { pluginTables } from "./plugin_tables.ts";
import { recordsToJson, writeStdout } from "./records_output.ts";
import { shortTime } from "./runs.ts";
import { fixed } from "../core/text_table.ts";

/** Help text of `lens show`. */
export const HELP = `lens show <run> [options]

Shows one run: status, when it ran, engine and versions, timings, training
progress per seed, plugin errors, its config (as YAML you can run again),
how many records each plugin wrote, and the tables the run's plugins
declare: for an MI estimator the information-plane table (I(X;T), I(T;Y)
per layer at the first, peak and last sampled epoch), for phases the SNR
transition next to the I(X;T) peak, for feature complexity a table per
feature and order (mean over seeds); a custom plugin's own tables when its
file is given with --plugin. <run> is a run id, a unique prefix of one, or
latest.

Options:
  --db FILE|URL run database: a SQLite file (default $LAYERLENS_DB, else ./${DEFAULT_DB})
                or a PostgreSQL URL postgres://user@host[:port]/db
  --format F    text (default) or json (the run's tidy records)
  --plugin FILE load custom plugins from a .ts/.js file, for their tables (repeatable)
  -h, --help    this help

Example:
  deno task lens show latest
  deno task lens show 20261124-0153 --format json > records.json
`;

function isRunConfig(c: RunRow["config"]): c is RunConfig {
  const r = c as Partial<RunConfig>;
  return typeof r === "object" && r !== null && typeof r.data === "object" &&
    typeof r.model === "object" && typeof r.training === "object" && Array.isArray(r.plugins);
}

function indent(text: string, by = "  "): string {
  return text.trimEnd().split("\n").map((l) => by + l).join("\n");
}

/**
 * The text report of a run and its records, with the tables of `plugins`
 * (the registry's: built-in and custom) for the plugins that wrote records.
 */
export function formatRun(
  run: RunRow,
  records: readonly ResultRecord[],
  plugins: readonly Plugin[] = [],
): string {
  const out: string[] = [];
  out.push(`run ${run.id} (${run.name})`);
  out.push(`status    ${run.status}`);
  out.push(`started   ${shortTime(run.createdAt)}   finished ${shortTime(run.finishedAt)}`);
  out.push(`engine    ${run.engine}   backend ${run.backend}`);
  out.push(`seeds     ${run.seeds.join(", ") || "-"}`);
  const versions = Object.entries(run.versions).map(([k, v]) => `${k} ${v}`).join(", ");
  if (versions) out.push(`versions  ${versions}`);
  const timings = Object.entries(run.timings)
    .map(([k, v]) => `${k} ${typeof v === "number" ? fixed(v, 2) : v}`).join(", ");
  if (timings) out.push(`timings   ${timings}`);
  if (run.error) out.push(`error     ${run.error}`);
  for (const p of run.progress) {
    out.push(
      `progress  seed ${p.seed}: epoch ${p.epoch}, loss ${fixed(p.loss, 4)}, ` +
        `accuracy ${fixed(p.accuracy, 3)}`,
    );
  }
  if (run.pluginErrors.length) {
    out.push("plugin errors:");
    for (const e of run.pluginErrors) out.push(`  ${e.plugin}: ${e.message}`);
  }
  out.push("config:");
  out.push(indent(isRunConfig(run.config) ? configToYaml(run.config) : stringify(run.config)));
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.plugin, (counts.get(r.plugin) ?? 0) + 1);
  out.push(
    `records   ${records.length}${
      counts.size ? ` (${[...counts].map(([p, n]) => `${p} ${n}`).join(", ")})` : ""
    }`,
  );
  for (const table of pluginTables(plugins, records)) out.push("", table);
  return out.join("\n") + "\n";
}

/** Runs `lens show`. */
export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags("show", args, {
    db: { type: "string" },
    format: { type: "string" },
    plugin: { type: "string", multiple: true },
  }, { min: 1, max: 1, names: "<run>" });
  const format = choiceFlag("show", "format", values.format, ["text", "json"], "text");
  const db = dbPath(values.db);
  const store = openStoreAt(db, { readOnly: true });
  try {
    const run = findRun(store, positionals[0]);
    const records = store.queryResults(run.id);
    const plugins = format === "json" ? [] : (await loadRegistry(listFlag(values.plugin))).list();
    await writeStdout(
      format === "json" ? recordsToJson(run.id, records) : formatRun(run, records, plugins),
    );
  } finally {
    store.close();
  }
  return 0;
}
