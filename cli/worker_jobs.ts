/**
 * What a `lens worker` does with each kind of queued job (see
 * core/queue/jobs.ts):
 *
 * - seed job: refuses it when a data file differs here (sha256), writes the
 *   job's plugin files to a folder named by their hash and loads them,
 *   reads the config back from its text, and trains the job's seeds into
 *   the variant's shared run, replacing what an earlier attempt of these
 *   seeds wrote (core/queue/shared_run_store.ts).
 * - final step: checks that every seed of the variant reached its last
 *   epoch, replaces the seed aggregates (seed -1) with ones computed over
 *   all seeds, and marks the run completed with the seed jobs' timings
 *   summed.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { completeRun } from "../core/run_session.ts";
import { parseConfig } from "../core/config.ts";
import { LensError } from "../core/errors.ts";
import { dataFileMismatches } from "../core/queue/data_files.ts";
import type { FinalJobData, SeedJobData, SeedJobResult } from "../core/queue/jobs.ts";
import { clearSeeds } from "../core/queue/seed_rows.ts";
import { sharedRunStore } from "../core/queue/shared_run_store.ts";
import { openStoreAt } from "../core/store_open.ts";
import { loadRegistry } from "./load_plugins.ts";

/** Where and as whom a worker runs jobs. */
export interface JobContext {
  /** The store target (`--db`). */
  db: string;
  /** This worker's name (host:pid). */
  worker: string;
  /** Aborted when the worker stops: training ends after the current epoch. */
  signal: AbortSignal;
  /** Lines for the worker's log. */
  log: (line: string) => void;
  /** Called at the end of every epoch (the worker checks for stop signals there). */
  onEpoch?: () => void;
}

/** Longest time (ms) a job trains without letting the worker's timers run. */
export const YIELD_EVERY_MS = 100;

/**
 * An epoch callback that lets the event loop run (a zero timeout) at most
 * every {@link YIELD_EVERY_MS}: a seed trained on this thread (the fused
 * kernel with one seed, tfjs) otherwise never yields to timers, and
 * BullMQ's lock renewal, a timer, would starve until the lock lapsed.
 */
export function yieldingEpoch(poll?: () => void): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    poll?.();
    const now = performance.now();
    if (now - last < YIELD_EVERY_MS) return undefined;
    last = now;
    return new Promise<void>((r) => setTimeout(r, 0)).then(() => {
      last = performance.now();
    });
  };
}

/** Writes the job's plugin files under a folder per content hash; returns their paths. */
function pluginPaths(d: SeedJobData): string[] {
  return d.plugins.map((p) => {
    const dir = join(tmpdir(), "layerlens-job-plugins", p.sha256);
    const file = join(dir, p.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, p.text);
    return file;
  });
}

/**
 * Trains a seed job's seeds. Returns undefined when the worker was told to
 * stop before they finished (the caller hands the job back); throws a
 * LensError with code `data_mismatch` when a data file differs here.
 */
export async function runSeedJob(
  d: SeedJobData,
  ctx: JobContext,
): Promise<SeedJobResult | undefined> {
  const mismatches = dataFileMismatches(d.dataFiles);
  if (mismatches.length) {
    throw new LensError(`worker ${ctx.worker} refuses the job: ${mismatches.join("; ")}`, {
      code: "data_mismatch",
      expected: "the same data files on every worker (same path, same bytes)",
    });
  }
  const registry = await loadRegistry(pluginPaths(d));
  const variantConfig = parseConfig(d.configText, `job ${d.runId} (variant "${d.variant}")`);
  const config = { ...variantConfig, seeds: d.seeds };
  const { runExperiment } = await import("../core/engine.ts");
  const store = openStoreAt(ctx.db);
  try {
    const outcome = await runExperiment({
      config,
      store: sharedRunStore({
        store,
        runId: d.runId,
        variantConfig,
        seeds: d.seeds,
      }),
      registry,
      runId: d.runId,
      log: ctx.log,
      signal: ctx.signal,
      onEpoch: yieldingEpoch(ctx.onEpoch),
    });
    if (outcome.status !== "completed") return undefined;
    return {
      worker: ctx.worker,
      seeds: d.seeds,
      timings: outcome.timings,
      pluginErrors: outcome.pluginErrors,
    };
  } finally {
    store.close();
  }
}

/**
 * A variant's final step; `children` are its seed jobs' results. Returns
 * the number of aggregate records written.
 */
export function runFinalJob(
  d: FinalJobData,
  children: readonly SeedJobResult[],
  ctx: JobContext,
): number {
  const store = openStoreAt(ctx.db);
  try {
    if (!store.getRun(d.runId)) {
      throw new LensError(`run ${d.runId} is not in the store ${ctx.db}`, {
        code: "store",
        expected: "the same --db for every worker of a sweep",
      });
    }
    const last = new Map<number, number>();
    for (const r of store.epochsSince(d.runId, 0)) {
      last.set(r.seed, Math.max(last.get(r.seed) ?? -1, r.epoch));
    }
    const short = d.seeds.filter((s) => (last.get(s) ?? -1) < d.epochs - 1);
    if (short.length) {
      throw new LensError(
        `run ${d.runId}: seed${short.length > 1 ? "s" : ""} ${short.join(", ")} ` +
          `did not reach epoch ${d.epochs - 1} in the store`,
        { code: "store", expected: "every seed job of the variant completed" },
      );
    }
    clearSeeds(store, d.runId, [-1]);
    const timings: Record<string, number> = {};
    for (const c of children) {
      for (const [k, v] of Object.entries(c.timings)) {
        if (Number.isFinite(v)) timings[k] = (timings[k] ?? 0) + v;
      }
    }
    return completeRun(store, d.runId, timings);
  } finally {
    store.close();
  }
}
