// BullMQ on Deno (npm specifiers; Deno is not an officially supported
// runtime, see BullMQ issue #3024): one queue, one worker in a child Deno
// process, one job's round trip through a private redis.
import assert from "node:assert/strict";
import { Queue, QueueEvents } from "../deps/bullmq.ts";
import { startRedis } from "./services.ts";

Deno.test("bullmq: a job added here is done by a worker in another Deno process", async () => {
  const redis = await startRedis();
  const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue("smoke", { connection });
  const events = new QueueEvents("smoke", { connection });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./fixtures/queue_smoke_worker.ts", import.meta.url).pathname,
      "127.0.0.1",
      String(redis.port),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    await events.waitUntilReady();
    const job = await queue.add("double", { n: 21 }, { jobId: "smoke-1" });
    const result = await job.waitUntilFinished(events, 60_000) as { doubled: number; pid: number };
    assert.deepEqual(result.doubled, 42);
    assert.notEqual(result.pid, Deno.pid);
    assert.deepEqual(await queue.getJobCounts("completed", "failed"), { completed: 1, failed: 0 });
    // the same id again is not a new job
    await queue.add("double", { n: 5 }, { jobId: "smoke-1" });
    assert.deepEqual((await queue.getJobCounts("completed", "wait")).wait, 0);
  } finally {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await child.stdout.cancel().catch(() => {});
    await events.close();
    await queue.close();
    await redis.stop();
  }
});
