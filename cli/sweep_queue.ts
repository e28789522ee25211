/**
 * `lens sweep FILE --queue redis://...`: the sweep's work goes to a BullMQ
 * queue for `lens worker` processes instead of training here. Every
 * variant is checked (plugins, engine, data files hashed) before anything
 * is enqueued; then per variant a flow is added: one job per seed (all
 * seeds in one job when a plugin compares seeds) under a final step that
 * writes the seed aggregates (core/queue/jobs.ts). Ids are deterministic,
 * so enqueueing again adds only what is missing; a variant whose flow
 * failed is enqueued again for the seeds that did not complete.
 *
 * Progress: one line of counts (queued / running / done / failed) with
 * each worker's share; at the end the same comparison table as a local
 * sweep, read from the store.
 *
 * @module
 */
import { basename } from "node:path";
import { FlowProducer, type Job, Queue } from "../deps/bullmq.ts";
import { configToYaml } from "../core/config.ts";
import { errorMessage } from "../core/errors.ts";
import { hashDataFiles, sha256Hex } from "../core/queue/data_files.ts";
import {
  planSweepJobs,
  type PluginFile,
  QUEUE_NAME,
  type VariantJobs,
} from "../core/queue/jobs.ts";
import { checkRedis, connectionOptions, parseRedisUrl } from "../core/queue/redis_url.ts";
import type { Registry } from "../core/registry.ts";
import { openStoreAt } from "../core/store_open.ts";
import type { Sweep, SweepVariant } from "../core/sweep.ts";
import { chooseEngine } from "../core/train/create_trainer.ts";
import { writeStdout } from "./records_output.ts";
import { sweepColumnsOf, type SweepRow, sweepRow } from "./sweep_summary.ts";
import { formatSweepTable, sweepTableJson } from "./sweep_table.ts";

/** What a distributed sweep needs from the command line. */
export interface QueueSweepOptions {
  file: string;
  sweep: Sweep;
  /** The variants to run, overrides applied. */
  variants: SweepVariant[];
  registry: Registry;
  /** The --plugin files. */
  pluginFiles: string[];
  /** The --queue URL. */
  queue: string;
  /** The store target. */
  db: string;
  /** Enqueue and return. */
  detach: boolean;
  /** Report the state once (enqueue nothing). */
  status: boolean;
  quiet: boolean;
  format: "table" | "json";
  /** Seconds between progress polls (default 0.5). */
  pollS?: number;
}

/** Job counts of a sweep. */
export interface SweepCounts {
  queued: number;
  running: number;
  done: number;
  failed: number;
  /** Per worker name: jobs running and done. */
  workers: Map<string, { running: number; done: number }>;
}

/** The sweep's plan: validated, data hashed, ids fixed. Throws before anything is enqueued. */
export function planQueuedSweep(o: QueueSweepOptions): VariantJobs[] {
  const plugins: PluginFile[] = o.pluginFiles.map((f) => {
    const text = Deno.readTextFileSync(f);
    return { name: basename(f), text, sha256: sha256Hex(text) };
  });
  const inputs = o.variants.map((v) => {
    const where = { file: `${o.file} (variant "${v.name}")`, field: "plugins" };
    const resolved = o.registry.resolve(v.config.plugins, where);
    chooseEngine(v.config);
    return {
      name: v.name,
      configText: configToYaml(v.config),
      seeds: v.config.seeds,
      epochs: v.config.training.epochs,
      pluginIds: resolved.map((r) => r.plugin.id),
      dataFiles: hashDataFiles(v.config.data),
    };
  });
  return planSweepJobs(o.sweep.name, inputs, plugins);
}

const QUEUED = new Set(["waiting", "wait", "delayed", "prioritized", "waiting-children"]);

/** Current state of every job of the plan. */
async function snapshot(queue: Queue, plan: VariantJobs[]) {
  const counts: SweepCounts = { queued: 0, running: 0, done: 0, failed: 0, workers: new Map() };
  const variants: { v: VariantJobs; state: string; reason?: string }[] = [];
  for (const v of plan) {
    for (const id of [...v.seedJobs.map((j) => j.id), v.finalId]) {
      const job = await queue.getJob(id) as Job | undefined;
      const state = job ? await job.getState() : "missing";
      if (QUEUED.has(state)) counts.queued++;
      else if (state === "active") counts.running++;
      else if (state === "completed") counts.done++;
      else if (state === "failed") counts.failed++;
      if (job?.processedBy && (state === "active" || state === "completed")) {
        const w = counts.workers.get(job.processedBy) ?? { running: 0, done: 0 };
        if (state === "active") w.running++;
        else w.done++;
        counts.workers.set(job.processedBy, w);
      }
      if (id === v.finalId) {
        variants.push({ v, state, reason: job?.failedReason || undefined });
      } else if (state === "failed" && job?.failedReason) {
        // a failed seed job fails its variant: its reason is the one to show
        variants.push({ v, state: "failed", reason: `${id}: ${job.failedReason}` });
      }
    }
  }
  // one entry per variant: a seed job's failure first
  const byVariant = new Map<string, { v: VariantJobs; state: string; reason?: string }>();
  for (const e of variants) {
    const had = byVariant.get(e.v.variant);
    if (!had || (e.state === "failed" && had.state !== "failed")) byVariant.set(e.v.variant, e);
  }
  return { counts, variants: [...byVariant.values()] };
}

/** The progress line of `counts`. */
export function progressLine(sweep: string, c: SweepCounts): string {
  const workers = [...c.workers.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([w, n]) => `${w} ${n.running} running ${n.done} done`).join(", ");
  return `sweep ${sweep}: queued ${c.queued} / running ${c.running} / done ${c.done} / ` +
    `failed ${c.failed}${workers ? `  (${workers})` : ""}`;
}

/** Adds what is missing of the plan; returns how many jobs were added. */
async function enqueue(
  queue: Queue,
  flow: FlowProducer,
  plan: VariantJobs[],
  log: (line: string) => void,
): Promise<number> {
  let added = 0;
  for (const v of plan) {
    const final = await queue.getJob(v.finalId) as Job | undefined;
    let seeds = v.seedJobs;
    if (final) {
      if (await final.getState() !== "failed") continue;
      // enqueue again what did not complete: the failed flow goes, completed seeds stay stored
      const keep: typeof seeds = [];
      let busy = false;
      for (const j of v.seedJobs) {
        const job = await queue.getJob(j.id) as Job | undefined;
        const state = job ? await job.getState() : "missing";
        if (state === "active") busy = true;
        if (state !== "completed") keep.push(j);
      }
      if (busy) {
        log(`variant ${v.variant}: failed, but a job of it is still running; enqueue again later`);
        continue;
      }
      await final.remove({ removeChildren: true });
      for (const j of v.seedJobs) await queue.remove(j.id);
      log(`variant ${v.variant}: failed before; enqueued again (${keep.length} seed jobs)`);
      seeds = keep;
    }
    await flow.add({
      name: "final",
      queueName: QUEUE_NAME,
      data: v.final,
      opts: { jobId: v.finalId, attempts: 3, backoff: { type: "exponential", delay: 2000 } },
      children: seeds.map((j) => ({
        name: "seed",
        queueName: QUEUE_NAME,
        data: j.data,
        opts: {
          jobId: j.id,
          attempts: 3,
          backoff: { type: "exponential", delay: 2000 },
          failParentOnFailure: true,
        },
      })),
    });
    added += seeds.length + 1;
  }
  return added;
}

/** The table's plugin columns (those of every plugin some variant runs) and settings. */
function tableColumns(o: QueueSweepOptions) {
  const used = new Set(
    o.variants.flatMap((v) =>
      o.registry.resolve(v.config.plugins, { field: "plugins" }).map((r) => r.plugin.id)
    ),
  );
  return {
    columns: sweepColumnsOf(o.registry.list().filter((p) => used.has(p.id))),
    settings: { plane_tolerance: o.sweep.planeTolerance },
  };
}

/** The comparison rows of the variants whose runs completed. */
function tableRows(o: QueueSweepOptions, plan: VariantJobs[]): SweepRow[] {
  const { columns, settings } = tableColumns(o);
  const store = openStoreAt(o.db, { readOnly: true });
  try {
    const rows: SweepRow[] = [];
    for (const v of plan) {
      const run = store.getRun(v.runId);
      if (!run || run.status !== "completed") continue;
      rows.push(sweepRow({
        variant: v.variant,
        runId: v.runId,
        status: run.status,
        seeds: v.final.seeds,
        epochRows: store.epochsSince(v.runId, 0),
        records: store.queryResults(v.runId),
      }, { lossThreshold: o.sweep.lossThreshold, settings, columns }));
    }
    return rows;
  } finally {
    store.close();
  }
}

/** Runs a distributed sweep (or reports on one with `status`); returns the exit code. */
export async function queueSweep(o: QueueSweepOptions): Promise<number> {
  const redis = parseRedisUrl(o.queue);
  const plan = planQueuedSweep(o); // everything is checked before anything is enqueued
  await checkRedis(redis);
  const connection = connectionOptions(redis);
  const queue = new Queue(QUEUE_NAME, { connection });
  const flow = new FlowProducer({ connection });
  const info = (line: string) => o.quiet ? undefined : console.error(line);
  queue.on("error", (e) => info(`queue: ${errorMessage(e)}`));
  flow.on("error", (e) => info(`queue: ${errorMessage(e)}`));
  try {
    const jobs = plan.reduce((n, v) => n + v.seedJobs.length + 1, 0);
    if (!o.status) {
      const added = await enqueue(queue, flow, plan, info);
      info(
        `sweep ${o.sweep.name}: enqueued ${added} of ${jobs} jobs on ${redis.display} ` +
          `(${jobs - added} already there); runs ${plan.map((v) => v.runId).join(", ")}`,
      );
      if (o.detach) {
        info(`  progress: deno task lens sweep ${o.file} --status --queue ${redis.display}`);
        return 0;
      }
    }
    let last = "";
    for (;;) {
      const { counts, variants } = await snapshot(queue, plan);
      const line = progressLine(o.sweep.name, counts);
      const finished = variants.every((e) => e.state === "completed" || e.state === "failed");
      if (o.status) {
        console.log(line);
        for (const e of variants) {
          console.log(`  ${e.v.variant}: ${e.state}${e.reason ? ` (${e.reason})` : ""}`);
        }
        if (!finished) return 0;
      } else if (line !== last) {
        info(line);
        if (!last && counts.running === 0 && counts.done === 0 && counts.queued > 0) {
          info(
            `  waiting for workers: deno task lens worker --queue ${redis.display} --db ${o.db}`,
          );
        }
        last = line;
      }
      if (finished) {
        const failed = variants.filter((e) => e.state === "failed");
        for (const e of failed) console.error(`variant ${e.v.variant} failed: ${e.reason ?? "?"}`);
        const rows = tableRows(o, plan);
        if (o.format === "json") await writeStdout(sweepTableJson(o.sweep.name, o.db, rows));
        else {
          const { columns, settings } = tableColumns(o);
          console.log(formatSweepTable(o.sweep.name, rows, columns, settings));
          console.log(`stored in ${o.db}`);
        }
        return failed.length ? 1 : 0;
      }
      await new Promise((r) => setTimeout(r, (o.pollS ?? 0.5) * 1000));
    }
  } finally {
    await flow.close();
    await queue.close();
  }
}
