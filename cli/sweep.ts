/**
 * `lens sweep <sweep.yaml>`: trains every variant of a sweep (a base
 * config plus named field overrides, see core/sweep.ts) as its own stored
 * run, then prints one comparison table.
 *
 * @module
 */
import { redactUrl } from "../core/store/pg_url.ts";
import { applyOverrides, parseOverride, unmatched } from "./plugin_overrides.ts";
import { loadSweep } from "../core/sweep.ts";
import { CONFIG_LIMITS } from "../core/config.ts";
import {
  choiceFlag,
  dbPath,
  DEFAULT_DB,
  intFlag,
  listFlag,
  parseFlags,
  usageError,
} from "./args.ts";
import { executeRun, preflight } from "./execute_run.ts";
import { loadRegistry } from "./load_plugins.ts";
import { writeStdout } from "./records_output.ts";
import { sweepColumnsOf, type SweepRow, sweepRow } from "./sweep_summary.ts";
import { formatSweepTable, sweepTableJson } from "./sweep_table.ts";

/** Help text of `lens sweep`. */
export const HELP = `lens sweep <sweep.yaml> [options]

Trains each variant of a sweep as its own run in the database, one after
the other, then prints one comparison table: per variant the final train
and test loss / accuracy (mean over seeds), the first epoch the train loss
falls below the sweep's loss_threshold, then the columns of the plugins
the variants run: for an MI estimator (mi-binned, mi-ksg, mi-noisy, or a
custom plugin that declares sweep columns) the last hidden layer's epoch
of peak I(X;T), its last I(X;T) and I(T;Y), and the epoch from which it
stays within plane_tolerance bits of that last point ("converged in the
plane").

A sweep file names a base config (a path relative to the sweep file, or an
inline mapping) and a list of variants, each a name plus overrides in the
config's own snake_case syntax, merged over the base (mappings key by key,
lists and scalars replaced, a key set to null removed):

  name: depth
  base: tishby12_tanh.yaml
  loss_threshold: 0.1        # default 0.1
  plane_tolerance: 0.1       # bits, default 0.1
  variants:
    - { name: depth-1, model: { hidden: [10] } }
    - { name: depth-2, model: { hidden: [10, 7] } }

Every variant is validated like a config before anything trains: a bad one
exits with code 2 naming the file, the variant and the field, and writes
nothing. A run is named <sweep>/<variant>. A sweep stopped part-way (Ctrl-C
or killed) is not resumed: run it again and it starts over (the finished
runs stay in the database; --variants runs only some).

Options:
  --db FILE|URL      run database: a SQLite file (default $LAYERLENS_DB, else ./${DEFAULT_DB})
                     or a PostgreSQL URL postgres://user@host[:port]/db
  --seeds N          override every variant's seeds: use seeds 0..N-1
  --epochs N         override every variant's training.epochs
  --backend B        override backend: wasm, cpu or webgpu
  --plugin FILE      load custom plugins from a .ts/.js file (repeatable)
  --variants A,B     run only these variants (comma-separated names)
  --set P.OPT=VALUE  override option OPT of plugin P in every variant (repeatable;
                     P = * for every plugin that has OPT), as in lens run
  --format F         table (default) or json (the same rows as JSON)
  --quiet            no progress bar or info lines
  --queue URL        distribute the sweep: enqueue one job per (variant, seed) on the
                     redis at URL for 'lens worker' processes (see docs/scale.md),
                     show progress, then the same table; --db may then also be a
                     postgres:// URL and must be the workers' store
  --detach           with --queue: enqueue and return
  --status           with --queue: report the sweep's jobs once (enqueue nothing)
  -h, --help         this help

Distributed: running the same command again enqueues only what is missing
(job ids derive from the sweep's content, variant and seed); the variant's
run is <sweep>-<hash>.<variant>, its seeds written by whichever workers
took them, with the seed aggregates written once all are stored.

Example:
  deno task lens sweep examples/sweep_depth.yaml --epochs 2000 --seeds 3 --db sweeps.db
  deno task lens sweep examples/sweep_complexity_mnist.yaml --set '*.epochs=100' 
  deno task lens sweep examples/sweep_train_size.yaml --format json > train_size.json
  deno task lens sweep examples/sweep_depth.yaml --queue redis://127.0.0.1:6379 --db sweeps.db
`;

/** Runs `lens sweep`. */
export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags("sweep", args, {
    db: { type: "string" },
    plugin: { type: "string", multiple: true },
    seeds: { type: "string" },
    epochs: { type: "string" },
    backend: { type: "string" },
    variants: { type: "string" },
    set: { type: "string", multiple: true },
    format: { type: "string" },
    quiet: { type: "boolean" },
    queue: { type: "string" },
    detach: { type: "boolean" },
    status: { type: "boolean" },
  }, { min: 1, max: 1, names: "<sweep.yaml>" });
  if (values.queue === undefined && (values.detach || values.status)) {
    throw usageError("sweep", `--${values.detach ? "detach" : "status"} needs --queue URL`);
  }
  const seeds = intFlag("sweep", "seeds", values.seeds, 1, CONFIG_LIMITS.seeds);
  const epochs = intFlag("sweep", "epochs", values.epochs, 1, CONFIG_LIMITS.epochs);
  const format = choiceFlag("sweep", "format", values.format, ["table", "json"], "table");
  const backend = values.backend === undefined
    ? undefined
    : choiceFlag("sweep", "backend", values.backend, ["wasm", "cpu", "webgpu"], "wasm");
  const file = positionals[0];
  const sweep = await loadSweep(file);
  let variants = sweep.variants;
  if (typeof values.variants === "string") {
    const wanted = values.variants.split(",").map((s) => s.trim()).filter(Boolean);
    for (const w of wanted) {
      if (!variants.some((v) => v.name === w)) {
        throw usageError(
          "sweep",
          `--variants: no variant "${w}" in ${file} (variants: ${
            variants.map((v) => v.name).join(", ")
          })`,
        );
      }
    }
    variants = variants.filter((v) => wanted.includes(v.name));
  }
  for (const v of variants) {
    if (seeds !== undefined) v.config.seeds = Array.from({ length: seeds }, (_, i) => i);
    if (epochs !== undefined) v.config.training.epochs = epochs;
    if (backend !== undefined) v.config.backend = backend;
  }
  const registry = await loadRegistry(listFlag(values.plugin));
  const overrides = listFlag(values.set).map((o) => parseOverride(o, "sweep"));
  const changed = variants.map((v) =>
    applyOverrides(v.config.plugins, overrides, registry, "sweep", true)
  );
  overrides.forEach((o, i) => {
    if (!changed.some((c) => c[i] > 0)) {
      throw unmatched(o, variants.flatMap((v) => v.config.plugins), "sweep");
    }
  });
  const quiet = values.quiet === true;
  if (typeof values.queue === "string") {
    const { queueSweep } = await import("./sweep_queue.ts");
    const { storeTarget } = await import("./worker.ts");
    return await queueSweep({
      file,
      sweep,
      variants,
      registry,
      pluginFiles: listFlag(values.plugin),
      queue: values.queue,
      db: storeTarget(values.db),
      detach: values.detach === true,
      status: values.status === true,
      quiet,
      format,
    });
  }
  const db = dbPath(values.db);
  // everything is checked before the first variant trains
  for (const v of variants) {
    preflight({ config: v.config, file: `${file} (variant "${v.name}")`, registry, db });
  }
  const rows: SweepRow[] = [];
  // the table's plugin columns: those of every plugin some variant runs
  const used = new Set(
    variants.flatMap((v) =>
      registry.resolve(v.config.plugins, { field: "plugins" }).map((r) => r.plugin.id)
    ),
  );
  const columns = sweepColumnsOf(registry.list().filter((p) => used.has(p.id)));
  const settings = { plane_tolerance: sweep.planeTolerance };
  let stopCode = 0;
  for (const [i, v] of variants.entries()) {
    if (!quiet) console.error(`sweep ${sweep.name}: variant ${i + 1}/${variants.length} ${v.name}`);
    const run = await executeRun({
      config: v.config,
      file: `${file} (variant "${v.name}")`,
      registry,
      db,
      quiet,
    });
    try {
      rows.push(sweepRow({
        variant: v.name,
        runId: run.runId,
        status: run.status,
        seeds: v.config.seeds,
        epochRows: run.store.epochsSince(run.runId, 0),
        records: run.store.queryResults(run.runId),
      }, { lossThreshold: sweep.lossThreshold, settings, columns }));
      if (!quiet) {
        console.error(
          `  run ${run.runId} ${run.status} in ${(run.timings.total_s ?? NaN).toFixed(1)} s`,
        );
      }
      for (const e of run.pluginErrors) {
        console.error(`warning: variant ${v.name}: plugin ${e.plugin} failed: ${e.message}`);
      }
    } finally {
      run.store.close();
    }
    if (run.status === "interrupted") {
      stopCode = run.exitCode;
      break;
    }
  }
  if (format === "json") {
    await writeStdout(sweepTableJson(sweep.name, redactUrl(db), rows));
  } else {
    console.log(formatSweepTable(sweep.name, rows, columns, settings));
    console.log(
      `stored in ${redactUrl(db)}  (deno task lens runs${
        values.db === undefined ? "" : ` --db ${redactUrl(db)}`
      })`,
    );
  }
  return stopCode;
}
