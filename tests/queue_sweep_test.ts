// Distributed sweeps through a private redis (tests/services.ts) and
// real `lens worker` processes sharing one SQLite store: the same numbers
// as a local sweep, a worker killed -9 mid-job, resume, refusals.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lens, withDir } from "./cli_helpers.ts";
import { postgresAvailable, startRedis, withPostgres } from "./services.ts";
import {
  assertSameAsLocalSweep,
  assertSameRun,
  killAll,
  longSweep,
  runIdByName,
  startWorker,
} from "./queue_worker.ts";

/** Waits until some run of `db` has epoch rows of `seed` (polls; fails after 60 s). */
async function waitForEpochRows(db: string, seed: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const d = new DatabaseSync(db, { readOnly: true });
      try {
        const r = d.prepare("SELECT count(*) AS n FROM epochs WHERE seed = ?").get(seed) as {
          n: number;
        };
        if (r.n > 0) return;
      } finally {
        d.close();
      }
    } catch { /* not created yet */ }
    if (Date.now() > deadline) throw new Error(`no epoch rows of seed ${seed} in ${db}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const TINY = fileURLToPath(new URL("./fixtures/sweep_queue_tiny.yaml", import.meta.url));

Deno.test("queue sweep: 2 workers give the local sweep's records; a rerun enqueues nothing", async () => {
  const redis = await startRedis();
  await withDir(async (dir) => {
    const db = join(dir, "queue.db");
    const local = join(dir, "local.db");
    const workers = [startWorker(redis.url, db), startWorker(redis.url, db)];
    try {
      // both waiting before the jobs arrive, so both take some
      for (const w of workers) await w.waitFor(/waiting for jobs/);
      const run = await lens(["sweep", TINY, "--queue", redis.url, "--db", db]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /enqueued 6 of 6 jobs/);
      assert.match(run.stdout, /^d1\s+2\s+200\s/m);
      assert.match(run.stdout, /^d2\s+2\s+200\s/m);
      // both workers took jobs
      for (const w of workers) await w.waitFor(/job qtiny-\w+\.d\d\.(s\d|final): /);
      const again = await lens(["sweep", TINY, "--queue", redis.url, "--db", db]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /enqueued 0 of 6 jobs/);
      assert.equal(again.stdout, run.stdout);

      const ref = await lens(["sweep", TINY, "--db", local, "--quiet"]);
      assert.equal(ref.code, 0, ref.stderr);
      for (const v of ["d1", "d2"]) {
        const n = assertSameRun(
          local,
          runIdByName(local, `qtiny/${v}`),
          db,
          runIdByName(db, `qtiny/${v}`),
        );
        assert.ok(n.records > 100 && n.epochs > 40, JSON.stringify(n));
      }
      // the table is the local sweep's (run ids are not in it)
      assert.equal(
        run.stdout.split("\n").slice(0, 4).join("\n"),
        ref.stdout.split("\n").slice(0, 4).join("\n"),
      );
    } finally {
      await killAll(workers);
      await redis.stop();
    }
  });
});

Deno.test({
  name: "queue sweep on PostgreSQL: 2 workers give the local SQLite sweep's records",
  ignore: !postgresAvailable(),
  async fn() {
    const redis = await startRedis();
    await withPostgres(async (pg) => {
      await withDir(async (dir) => {
        const local = join(dir, "local.db");
        const copy = join(dir, "copy.db");
        const workers = [startWorker(redis.url, pg.url), startWorker(redis.url, pg.url)];
        try {
          for (const w of workers) await w.waitFor(/waiting for jobs/);
          const run = await lens(["sweep", TINY, "--queue", redis.url, "--db", pg.url]);
          assert.equal(run.code, 0, run.stderr);
          assert.match(run.stderr, /enqueued 6 of 6 jobs/);
          const ref = await lens(["sweep", TINY, "--db", local, "--quiet"]);
          assert.equal(ref.code, 0, ref.stderr);
          // the shared store's runs, copied out with lens import, equal the local ones
          const imp = await lens(["import", "--from", pg.url, "--db", copy]);
          assert.equal(imp.code, 0, imp.stderr);
          for (const v of ["d1", "d2"]) {
            const n = assertSameRun(
              local,
              runIdByName(local, `qtiny/${v}`),
              copy,
              runIdByName(copy, `qtiny/${v}`),
            );
            assert.ok(n.records > 100 && n.epochs > 40, JSON.stringify(n));
          }
        } finally {
          await killAll(workers);
        }
      });
    }).finally(() => redis.stop());
  },
});

Deno.test("queue sweep: a worker killed -9 mid-job has its job retried by the other", async () => {
  const redis = await startRedis();
  await withDir(async (dir) => {
    const file = join(dir, "long.yaml");
    await Deno.writeTextFile(file, longSweep("qkill"));
    const db = join(dir, "queue.db");
    const local = join(dir, "local.db");
    const lock = ["--lock-duration", "2"];
    const a = startWorker(redis.url, db, lock);
    const workers = [a];
    try {
      const enq = await lens(["sweep", file, "--queue", redis.url, "--db", db, "--detach"]);
      assert.equal(enq.code, 0, enq.stderr);
      const started = await a.waitFor(/job (qkill-\w+\.d1\.s\d): variant/);
      const jobId = started.match(/job (\S+):/)![1];
      const seed = Number(jobId.match(/\.s(\d+)$/)![1]);
      // kill it once it has written some of its seed's epochs (partial rows to replace)
      await waitForEpochRows(db, seed);
      a.kill("SIGKILL");
      await a.status;
      assert.ok(!a.lines.some((l) => l.includes(`job ${jobId}: done`)), "killed too late");
      const b = startWorker(redis.url, db, lock);
      workers.push(b);
      const done = await lens(["sweep", file, "--queue", redis.url, "--db", db]);
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stderr, /enqueued 0 of 3 jobs/);
      await b.waitFor(new RegExp(`job ${jobId.replaceAll(".", "\\.")}: done`));
      await assertSameAsLocalSweep(file, local, db, "qkill/d1");
    } finally {
      await killAll(workers);
      await redis.stop();
    }
  });
});

Deno.test("queue sweep: a bad or unreachable --queue URL exits 2 with one line", async () => {
  await withDir(async (dir) => {
    const db = join(dir, "q.db");
    for (
      const [url, want] of [
        [
          "redis://127.0.0.1:1",
          /^error: --queue: cannot reach redis at redis:\/\/127\.0\.0\.1:1: /,
        ],
        ["http://127.0.0.1:6379", /^error: --queue: "http:\/\/127\.0\.0\.1:6379": scheme must be/],
        [
          "redis://u:secret@127.0.0.1:1",
          /^error: --queue: cannot reach redis at redis:\/\/u:\*\*\*@/,
        ],
      ] as const
    ) {
      for (
        const args of [["sweep", TINY, "--queue", url, "--db", db], [
          "worker",
          "--queue",
          url,
          "--db",
          db,
        ]]
      ) {
        const r = await lens(args);
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
        assert.match(r.stderr, want);
        assert.ok(!r.stderr.includes("secret"));
      }
    }
  });
});
