/**
 * Runs a validated config through the engine for `lens run` and `lens
 * demo`: checks everything that can be checked before anything is written
 * (plugins and their options, engine, run id), opens the store only when
 * the engine creates the run, shows progress, and turns Ctrl-C / SIGTERM
 * into a clean stop (the run is marked interrupted, what it wrote is kept).
 * A run that did not fail leaves its first dashboard answers in the store.
 *
 * @module
 */
import { redactUrl } from "../core/store/pg_url.ts";
import { errorMessage, LensError } from "../core/errors.ts";
import { createProgressReporter } from "../core/progress.ts";
import type { Registry } from "../core/registry.ts";
import { checkRunId } from "../core/store.ts";
import { isPostgresUrl, openStoreAt } from "../core/store_open.ts";
import { inspectStoreFile } from "../core/store_file.ts";
import { chooseEngine } from "../core/train/create_trainer.ts";
import type { RunConfig, RunStatus, Store } from "../core/types.ts";
import { lazyStore } from "./lazy_store.ts";
import { watchStopSignals } from "./stop_signal.ts";

/** What {@link executeRun} needs. */
export interface ExecuteRunOptions {
  config: RunConfig;
  /** Config file, for error messages. */
  file: string;
  registry: Registry;
  /** Absolute database path. */
  db: string;
  runId?: string;
  /** No progress bar or info lines (errors still go to stderr). */
  quiet: boolean;
}

/** How the run ended, with the store still open for reading (the caller closes it). */
export interface ExecutedRun {
  runId: string;
  status: RunStatus;
  timings: Record<string, number>;
  pluginErrors: { plugin: string; message: string }[];
  store: Store;
  /** Exit code for the command: 0, or 130 / 143 when a SIGINT / SIGTERM interrupted the run. */
  exitCode: number;
}

/**
 * Checks the parts of a config only the registry and engine know, without
 * touching the database: plugin ids and options (`registry.resolve`), the
 * engine for this model, and a chosen run id.
 */
export function preflight(opts: Omit<ExecuteRunOptions, "quiet">): void {
  opts.registry.resolve(opts.config.plugins, { file: opts.file, field: "plugins" });
  chooseEngine(opts.config);
  // a database to refuse (foreign, damaged, newer) is refused before anything trains
  // (a PostgreSQL URL: its reachability and schema are checked here, by opening it)
  const url = isPostgresUrl(opts.db);
  const file = url ? undefined : inspectStoreFile(opts.db);
  if (url) openStoreAt(opts.db).close();
  if (opts.runId !== undefined) {
    checkRunId(opts.runId);
    if (url || (file?.kind === "layerlens" && !file.missing.length)) {
      const store = openStoreAt(opts.db, { readOnly: true });
      try {
        if (store.getRun(opts.runId)) {
          throw new LensError(`a run with id "${opts.runId}" already exists`, {
            code: "usage",
            file: opts.db,
            field: "--run-id",
            expected: "a new id",
          });
        }
      } finally {
        store.close();
      }
    }
  }
}

/**
 * Computes the finished run's first dashboard answers into the store
 * (server/prepare_answers.ts), so its first view reads them; a failure is
 * told, and the run stays as it is.
 */
async function prepareAnswers(
  store: Store,
  registry: Registry,
  dbPath: string,
  runId: string,
  log: (m: string) => void,
): Promise<void> {
  try {
    const { prepareRunAnswers } = await import("../server/prepare_answers.ts");
    await prepareRunAnswers({ store, registry, dbPath }, runId);
  } catch (e) {
    log(`warning: the dashboard's answers for run ${runId} were not prepared: ${errorMessage(e)}`);
  }
}

/** Trains the config's seeds and stores the run. */
export async function executeRun(opts: ExecuteRunOptions): Promise<ExecutedRun> {
  preflight(opts);
  const { runExperiment } = await import("../core/engine.ts");
  const store = lazyStore(opts.db);
  const progress = createProgressReporter();
  const log = (m: string) => opts.quiet ? undefined : progress.log(m);
  const stop = await watchStopSignals((note) =>
    progress.log(
      `${note ? `${note}; ` : ""}stopping after this epoch; the run will be marked interrupted ` +
        "(again to quit now)",
    )
  );
  try {
    const outcome = await runExperiment({
      config: opts.config,
      store,
      registry: opts.registry,
      runId: opts.runId,
      onEpoch: (p) => {
        stop.poll();
        if (!opts.quiet) progress.update(p);
      },
      log: (m) => log(m),
      signal: stop.signal,
    });
    progress.done();
    if (outcome.status !== "failed") {
      await prepareAnswers(store, opts.registry, opts.db, outcome.runId, (m) => log(m));
    }
    return {
      ...outcome,
      store,
      exitCode: outcome.status === "interrupted" ? stop.exitCode() : 0,
    };
  } catch (e) {
    progress.done();
    store.close();
    throw e;
  } finally {
    stop.dispose();
  }
}

/** The closing lines of a run: id, status, where it is stored, what to do next. */
export function runSummary(
  run: ExecutedRun,
  config: RunConfig,
  db: string,
  defaultDb: boolean,
): string {
  const total = run.timings.total_s;
  const seeds = config.seeds.length;
  const shown = redactUrl(db); // a URL's password is never printed
  const dbFlag = defaultDb ? "" : ` --db ${shown}`;
  return [
    `run ${run.runId} ${run.status}${Number.isFinite(total) ? ` in ${total.toFixed(1)} s` : ""} ` +
    `(${seeds} seed${seeds === 1 ? "" : "s"} x ${config.training.epochs} epochs)`,
    `stored in ${shown}`,
    `  show:      deno task lens show ${run.runId}${dbFlag}`,
    `  export:    deno task lens export ${run.runId} --format csv${dbFlag}`,
    `  dashboard: deno task lens serve${dbFlag}`,
  ].join("\n");
}
