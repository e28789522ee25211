/**
 * `lens demo`: the paper's 12-bit protocol (examples/tishby12_tanh.yaml),
 * shortened to finish in a couple of minutes, then the information-plane
 * table per layer.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { CONFIG_LIMITS, loadConfig } from "../core/config.ts";
import { dbPath, DEFAULT_DB, intFlag, parseFlags } from "./args.ts";
import { executeRun, runSummary } from "./execute_run.ts";
import { pluginTables } from "./plugin_tables.ts";
import { loadRegistry } from "./load_plugins.ts";

/** Epochs the demo trains unless `--epochs` says otherwise. */
export const DEMO_EPOCHS = 8000;

/**
 * Plugins of the example config the demo leaves out. mi-kde costs about
 * 0.08 s per layer per sampled epoch per seed on the 4096 probe inputs
 * (measured: 158 s of a 160 s, 300-epoch, 2-seed demo on 2 cores), far more
 * than training; the example config keeps it.
 */
export const DEMO_SKIP_PLUGINS: readonly string[] = ["mi-kde"];

/** The config the demo runs. */
export const DEMO_CONFIG = fileURLToPath(
  new URL("../examples/tishby12_tanh.yaml", import.meta.url),
);

/** Help text of `lens demo`. */
export const HELP = `lens demo [options]

Runs the information-plane protocol of Shwartz-Ziv & Tishby on the 12-bit
task (examples/tishby12_tanh.yaml: 12-10-7-5-4-3-2 tanh network, Adam,
binned mutual information, gradient SNR; without ${
  DEMO_SKIP_PLUGINS.join(", ")
}, which is slow) for ${DEMO_EPOCHS} epochs,
then prints per layer I(X;T) and I(T;Y) at the first sampled epoch, at the
peak of I(X;T) and at the last sampled epoch (mean over seeds, bits): a
peak above the first value is the fitting phase, a last value below the
peak is compression.

Options:
  --db FILE|URL  run database: a SQLite file (default $LAYERLENS_DB, else ./${DEFAULT_DB})
                 or a PostgreSQL URL postgres://user@host[:port]/db
  --epochs N     epochs to train (default ${DEMO_EPOCHS})
  --seeds N      seeds 0..N-1 (default: the config's)
  --quiet        no progress bar
  -h, --help     this help

Example:
  deno task demo
  deno task lens demo --epochs 2000 --seeds 3 --db demo.db
`;

/** Runs `lens demo`. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseFlags("demo", args, {
    db: { type: "string" },
    epochs: { type: "string" },
    seeds: { type: "string" },
    quiet: { type: "boolean" },
  }, { min: 0, max: 0, names: "" });
  const epochs = intFlag("demo", "epochs", values.epochs, 1, CONFIG_LIMITS.epochs) ?? DEMO_EPOCHS;
  const seeds = intFlag("demo", "seeds", values.seeds, 1, CONFIG_LIMITS.seeds);
  const config = await loadConfig(DEMO_CONFIG);
  config.name = "demo";
  config.training.epochs = epochs;
  config.plugins = config.plugins.filter((p) => !DEMO_SKIP_PLUGINS.includes(p.id));
  if (seeds !== undefined) config.seeds = Array.from({ length: seeds }, (_, i) => i);
  const db = dbPath(values.db);
  const registry = await loadRegistry([]);
  const run = await executeRun({
    config,
    file: DEMO_CONFIG,
    registry,
    db,
    quiet: values.quiet === true,
  });
  try {
    const tables = pluginTables(registry.list(), run.store.queryResults(run.runId));
    console.log(
      tables.join("\n\n") || "no records (the run stopped before the first seed finished)",
    );
    console.log("");
    console.log(runSummary(run, config, db, values.db === undefined));
    for (const e of run.pluginErrors) {
      console.error(`warning: plugin ${e.plugin} failed: ${e.message}`);
    }
  } finally {
    run.store.close();
  }
  return run.exitCode;
}
