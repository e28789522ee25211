// Faults of distributed sweeps, with a private redis and real workers: a
// data file that differs on the worker, a worker stopped by SIGTERM
// mid-job, and redis restarted mid-sweep.
import assert from "node:assert/strict";
import { join } from "node:path";
import { lens, withDir } from "./cli_helpers.ts";
import { startRedis } from "./services.ts";
import { assertSameAsLocalSweep, killAll, longSweep, startWorker } from "./queue_worker.ts";

/** A sweep over a CSV data set at `csv`: 1 variant, `seeds` seeds, `epochs` epochs. */
function csvSweep(name: string, csv: string, epochs: number, seeds: number): string {
  return [
    `name: ${name}`,
    "base:",
    `  data: { name: file, path: ${JSON.stringify(csv)}, train_fraction: 0.75 }`,
    `  training: { epochs: ${epochs}, batch_size: 16 }`,
    "  schedule: { type: log, points: 8 }",
    `  seeds: ${seeds}`,
    "  plugins: [mi-binned]",
    "variants:",
    "  - { name: v, model: { hidden: [6, 4] } }",
  ].join("\n");
}

/** 64 rows of 3 inputs in [-1, 1] and a label (sign of their sum). */
function csvText(): string {
  const rows = ["a,b,c,label"];
  for (let i = 0; i < 64; i++) {
    const x = [Math.sin(i), Math.cos(3 * i), Math.sin(7 * i + 1)];
    rows.push(`${x.map((v) => v.toFixed(4)).join(",")},${x[0] + x[1] + x[2] > 0 ? 1 : 0}`);
  }
  return rows.join("\n") + "\n";
}

Deno.test("queue: a worker whose data file differs refuses the job once; fixed, a rerun completes", async () => {
  const redis = await startRedis();
  await withDir(async (dir) => {
    const csv = join(dir, "data.csv");
    const file = join(dir, "s.yaml");
    const db = join(dir, "q.db");
    const good = csvText();
    await Deno.writeTextFile(csv, good);
    await Deno.writeTextFile(file, csvSweep("qdata", csv, 20, 2));
    const enq = await lens(["sweep", file, "--queue", redis.url, "--db", db, "--detach"]);
    assert.equal(enq.code, 0, enq.stderr);
    await Deno.writeTextFile(csv, good.replace(/\n[^\n]*\n$/, "\n0,0,0,1\n")); // one row changed
    const w = startWorker(redis.url, db);
    try {
      const refused = (await w.waitFor(/refuses the job/)).match(/job (\S+): failed/)![1];
      // the sweep's key includes its data hashes: --status must see the enqueued data
      await Deno.writeTextFile(csv, good);
      let status = "";
      // the final step fails after its seed job (BullMQ fails the parent asynchronously): wait for both
      for (
        let i = 0;
        i < 100 && !(/^ {2}v: failed/m.test(status) && /failed [23]\b/.test(status));
        i++
      ) {
        status = (await lens(["sweep", file, "--queue", redis.url, "--db", db, "--status"])).stdout;
      }
      assert.match(
        status,
        /^ {2}v: failed \(qdata-\w+\.v\.s\d: worker \S+ refuses the job: \S+data\.csv differs on this worker \(sha256 [0-9a-f]{12}\.\.\. here, [0-9a-f]{12}\.\.\. in the job\)/m,
      );
      // the refused seed job and its variant's final step; the other seed's job too when the
      // worker takes it before BullMQ has failed the parent (a slow, loaded machine)
      assert.match(status, /failed [23]\b/);
      // refused once, not retried
      const tries = w.lines.filter((l) => l.includes(`job ${refused}: variant`));
      assert.equal(tries.length, 1, w.lines.join("\n"));

      const again = await lens(["sweep", file, "--queue", redis.url, "--db", db]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /variant v: failed before; enqueued again \(\d seed jobs\)/);
      assert.match(again.stdout, /^v\s+2\s+20\s/m);
      await assertSameAsLocalSweep(file, join(dir, "local.db"), db, "qdata/v");
    } finally {
      await killAll([w]);
      await redis.stop();
    }
  });
});

const LONG = longSweep("qlong");

Deno.test("queue: SIGTERM hands the job in hand back; another worker completes the sweep", async () => {
  const redis = await startRedis();
  await withDir(async (dir) => {
    const file = join(dir, "long.yaml");
    const db = join(dir, "q.db");
    await Deno.writeTextFile(file, LONG);
    const a = startWorker(redis.url, db);
    const workers = [a];
    try {
      const enq = await lens(["sweep", file, "--queue", redis.url, "--db", db, "--detach"]);
      assert.equal(enq.code, 0, enq.stderr);
      const started = await a.waitFor(/job (qlong-\w+\.d1\.s\d): variant/);
      const jobId = started.match(/job (\S+):/)![1];
      a.kill("SIGTERM");
      assert.equal((await a.status).code, 0);
      assert.ok(a.lines.some((l) => l.includes(`job ${jobId}: handed back`)), a.lines.join("\n"));
      const b = startWorker(redis.url, db);
      workers.push(b);
      const done = await lens(["sweep", file, "--queue", redis.url, "--db", db]);
      assert.equal(done.code, 0, done.stderr);
      await b.waitFor(new RegExp(`job ${jobId.replaceAll(".", "\\.")}: done`));
      await assertSameAsLocalSweep(file, join(dir, "local.db"), db, "qlong/d1");
    } finally {
      await killAll(workers);
      await redis.stop();
    }
  });
});

Deno.test("queue: redis restarted mid-sweep; the workers and the sweep reconnect and finish", async () => {
  const redis = await startRedis({ persist: true });
  await withDir(async (dir) => {
    const file = join(dir, "long.yaml");
    const db = join(dir, "q.db");
    await Deno.writeTextFile(file, LONG);
    const workers = [startWorker(redis.url, db), startWorker(redis.url, db)];
    try {
      const sweep = lens(["sweep", file, "--queue", redis.url, "--db", db]);
      await workers[0].waitFor(/job qlong-\w+\.d1\.s\d: variant/);
      await redis.down();
      await redis.up();
      const done = await sweep;
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /^d1\s+2\s+20000\s/m);
      await assertSameAsLocalSweep(file, join(dir, "local.db"), db, "qlong/d1");
    } finally {
      await killAll(workers);
      await redis.stop();
    }
  });
});
