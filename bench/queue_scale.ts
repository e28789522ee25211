/**
 * Distributed sweeps (`lens sweep --queue` + `lens worker`) on this machine:
 *
 * 1. speed-up: a 16-job sweep (2 variants x 8 seeds of the 12-bit net,
 *    4000 epochs, binned MI at 30 sampled epochs) on 1 worker, then on 2;
 *    wall time of the `lens sweep` command (enqueue to table), each worker
 *    started and waiting beforehand. Goal: >= 1.7x on 2 cores.
 * 2. job overhead: 15 one-seed, one-epoch jobs enqueued one at a time to an
 *    idle worker; per job the time from enqueueing to the worker starting it
 *    (BullMQ's processedOn minus the job's timestamp) and to its epoch row
 *    being visible in the store (polled every 2 ms), minus the job's own
 *    training time for the latter. Goal: medians < 100 ms.
 *
 * Prints lines for people, then one JSON line. Private redis on a free port.
 *
 *   deno run -A bench/queue_scale.ts
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { FlowProducer, Queue } from "../deps/bullmq.ts";
import { configToYaml, parseConfig } from "../core/config.ts";
import { hashDataFiles } from "../core/queue/data_files.ts";
import { planSweepJobs, QUEUE_NAME } from "../core/queue/jobs.ts";
import { CLI } from "../tests/cli_helpers.ts";
import { startRedis } from "../tests/services.ts";
import { killAll, startWorker, type WorkerProcess } from "../tests/queue_worker.ts";

const redis = await startRedis();
const dir = await Deno.makeTempDir({ prefix: "lens-queue-bench-" });
const workers: WorkerProcess[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function startWorkers(n: number, db: string): Promise<WorkerProcess[]> {
  const ws = Array.from({ length: n }, () => startWorker(redis.url, db, ["--quiet"]));
  workers.push(...ws);
  // --quiet hides the "waiting" line: wait until each has opened the store and redis
  await new Promise((r) => setTimeout(r, 3000));
  return ws;
}

/** Wall seconds of a 16-job sweep named `name` on `n` workers. */
async function sweepSeconds(name: string, n: number): Promise<number> {
  const file = join(dir, `${name}.yaml`);
  await Deno.writeTextFile(
    file,
    [
      `name: ${name}`,
      "base:",
      "  training: { epochs: 4000 }",
      "  schedule: { type: log, points: 30 }",
      "  seeds: 8",
      "  plugins: [mi-binned]",
      "variants:",
      "  - { name: a, model: { hidden: [10, 7, 5, 4, 3] } }",
      "  - { name: b, model: { hidden: [10, 7, 5] } }",
    ].join("\n"),
  );
  const db = join(dir, `${name}.db`);
  const ws = await startWorkers(n, db);
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "sweep", file, "--queue", redis.url, "--db", db, "--quiet"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const s = (performance.now() - t0) / 1000;
  if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
  await killAll(ws);
  return s;
}

/** Enqueue-to-running and enqueue-to-visible (minus training) of one-epoch jobs, ms. */
async function overhead(jobs: number): Promise<{ running: number[]; visible: number[] }> {
  const db = join(dir, "overhead.db");
  const ws = await startWorkers(1, db);
  const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue(QUEUE_NAME, { connection });
  const flow = new FlowProducer({ connection });
  const running: number[] = [];
  const visible: number[] = [];
  try {
    for (let i = 0; i < jobs; i++) {
      const config = parseConfig(
        `name: ov${i}\ntraining: { epochs: 1 }\nseeds: 1\nplugins: []\nmodel: { hidden: [4] }`,
        "overhead.yaml",
      );
      const [v] = planSweepJobs(`ov${i}`, [{
        name: "v",
        configText: configToYaml(config),
        seeds: [0],
        epochs: 1,
        pluginIds: [],
        dataFiles: hashDataFiles(config.data),
      }], []);
      const t0 = Date.now();
      const p0 = performance.now();
      await flow.add({
        name: "final",
        queueName: QUEUE_NAME,
        data: v.final,
        opts: { jobId: v.finalId },
        children: [{
          name: "seed",
          queueName: QUEUE_NAME,
          data: v.seedJobs[0].data,
          opts: { jobId: v.seedJobs[0].id },
        }],
      });
      let seen = 0;
      for (let k = 0; k < 5000 && !seen; k++) {
        try {
          const d = new DatabaseSync(db, { readOnly: true });
          const r = d.prepare("SELECT count(*) AS n FROM epochs WHERE run_id = ?").get(v.runId) as {
            n: number;
          };
          d.close();
          if (r.n > 0) seen = performance.now();
        } catch { /* busy */ }
        if (!seen) await new Promise((r) => setTimeout(r, 2));
      }
      let job = await queue.getJob(v.seedJobs[0].id);
      for (let k = 0; k < 500 && !job?.finishedOn; k++) {
        await new Promise((r) => setTimeout(r, 10));
        job = await queue.getJob(v.seedJobs[0].id);
      }
      const trainS = (job?.returnvalue?.timings?.train_s ?? 0) as number;
      running.push((job!.processedOn ?? NaN) - t0);
      visible.push(seen - p0 - trainS * 1000);
    }
  } finally {
    await flow.close();
    await queue.close();
    await killAll(ws);
  }
  return { running, visible };
}

try {
  const one = await sweepSeconds("scale1", 1);
  console.log(`16-job sweep on 1 worker: ${one.toFixed(1)} s`);
  const two = await sweepSeconds("scale2", 2);
  console.log(
    `16-job sweep on 2 workers: ${two.toFixed(1)} s (speed-up ${(one / two).toFixed(2)}x)`,
  );
  const ov = await overhead(15);
  const mr = median(ov.running), mv = median(ov.visible);
  console.log(
    `job overhead (median of ${ov.running.length}): enqueued -> running ${mr.toFixed(1)} ms, ` +
      `-> epoch row visible in the store (training excluded) ${mv.toFixed(1)} ms`,
  );
  console.log(JSON.stringify({
    bench: "queue_scale",
    sweep_1_worker_s: +one.toFixed(2),
    sweep_2_workers_s: +two.toFixed(2),
    speedup: +(one / two).toFixed(3),
    overhead_running_median_ms: +mr.toFixed(1),
    overhead_visible_median_ms: +mv.toFixed(1),
    overhead_running_ms: ov.running.map((x) => +x.toFixed(1)),
    overhead_visible_ms: ov.visible.map((x) => +x.toFixed(1)),
  }));
} finally {
  await killAll(workers);
  await redis.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
