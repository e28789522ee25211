/**
 * `lens run <config.yaml>`: trains an experiment and stores its records.
 *
 * @module
 */
import { CONFIG_LIMITS, loadConfig } from "../core/config.ts";
import {
  choiceFlag,
  dbPath,
  DEFAULT_DB,
  intFlag,
  listFlag,
  parseFlags,
  usageError,
} from "./args.ts";
import { executeRun, runSummary } from "./execute_run.ts";
import { loadRegistry } from "./load_plugins.ts";
import { applyOverrides, parseOverride } from "./plugin_overrides.ts";
import { recordsToJson, writeStdout } from "./records_output.ts";

/** Help text of `lens run`. */
export const HELP = `lens run <config.yaml> [options]

Trains the experiment a YAML config describes (every seed), feeds the
plugins, and stores the run and its tidy records in a SQLite database.
The config and plugin options are checked before anything is written; a
bad config exits with code 2 and creates no database. Ctrl-C (exit 130)
or SIGTERM (exit 143, also when the launcher, e.g. npx, is killed) stops
after the current epoch and marks the run interrupted (what it wrote is
kept); a second Ctrl-C quits at once.

Options:
  --db FILE|URL      run database: a SQLite file (default $LAYERLENS_DB, else ./${DEFAULT_DB})
                     or a PostgreSQL URL postgres://user@host[:port]/db
  --run-id ID        id for the new run (default: date-time-random, e.g. 20261124-0153-a3f2)
  --plugin FILE      load custom plugins from a .ts/.js file (repeatable)
  --seeds N          override seeds: use seeds 0..N-1
  --epochs N         override training.epochs
  --subset N         override data.subset (mnist: class-balanced training images, 0 = all)
  --set P.OPT=VALUE  override option OPT of plugin P (repeatable; P = * for every plugin
                     of the config that has OPT; VALUE is YAML)
  --backend B        override backend: wasm, cpu, webgpu or auto
  --format F         what to print at the end: summary (default) or json (the tidy records)
  --quiet            no progress bar or info lines
  -h, --help         this help

Example:
  deno task lens run examples/tishby12_tanh.yaml --seeds 3 --epochs 2000
  deno task lens run my.yaml --plugin ./examples/my_metric.ts --db runs.db
  deno task lens run examples/complexity_mnist_mlp.yaml --subset 0 --set '*.epochs=100'
`;

/** Runs `lens run`. */
export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags("run", args, {
    db: { type: "string" },
    "run-id": { type: "string" },
    plugin: { type: "string", multiple: true },
    seeds: { type: "string" },
    epochs: { type: "string" },
    subset: { type: "string" },
    set: { type: "string", multiple: true },
    backend: { type: "string" },
    format: { type: "string" },
    quiet: { type: "boolean" },
  }, { min: 1, max: 1, names: "<config.yaml>" });
  const seeds = intFlag("run", "seeds", values.seeds, 1, CONFIG_LIMITS.seeds);
  const epochs = intFlag("run", "epochs", values.epochs, 1, CONFIG_LIMITS.epochs);
  const subset = intFlag("run", "subset", values.subset, 0, 60000);
  const format = choiceFlag("run", "format", values.format, ["summary", "json"], "summary");
  const file = positionals[0];
  const config = await loadConfig(file);
  if (seeds !== undefined) config.seeds = Array.from({ length: seeds }, (_, i) => i);
  if (epochs !== undefined) config.training.epochs = epochs;
  if (subset !== undefined) {
    if (config.data.name !== "mnist") {
      throw usageError("run", `--subset applies to mnist data; ${file} uses ${config.data.name}`);
    }
    config.data.subset = subset;
  }
  if (values.backend !== undefined) {
    config.backend = choiceFlag(
      "run",
      "backend",
      values.backend,
      ["wasm", "cpu", "webgpu", "auto"],
      "wasm",
    );
  }
  const registry = await loadRegistry(listFlag(values.plugin));
  applyOverrides(config.plugins, listFlag(values.set).map((o) => parseOverride(o)), registry);
  const db = dbPath(values.db);
  const run = await executeRun({
    config,
    file,
    registry,
    db,
    runId: values["run-id"] as string | undefined,
    quiet: values.quiet === true,
  });
  try {
    const summary = runSummary(run, config, db, values.db === undefined);
    if (format === "json") {
      await writeStdout(recordsToJson(run.runId, run.store.queryResults(run.runId)));
      console.error(summary);
    } else {
      console.log(summary);
    }
    for (const e of run.pluginErrors) {
      console.error(
        `warning: plugin ${e.plugin} failed: ${e.message} (its records so far are kept)`,
      );
    }
  } finally {
    run.store.close();
  }
  return run.exitCode;
}
