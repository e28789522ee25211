/**
 * `lens worker --queue redis://host:port --db TARGET`: one process that
 * takes jobs of distributed sweeps (`lens sweep --queue`) from a BullMQ
 * queue on redis until SIGTERM / SIGINT. Run as many as there are cores
 * to spare, on as many machines as can reach the redis and the store.
 *
 * @module
 */
import { hostname } from "node:os";
import { UnrecoverableError, WaitingError, Worker } from "../deps/bullmq.ts";
import { errorMessage, LensError } from "../core/errors.ts";
import {
  type FinalJobData,
  QUEUE_NAME,
  readJobData,
  type SeedJobResult,
} from "../core/queue/jobs.ts";
import { checkRedis, connectionOptions, parseRedisUrl } from "../core/queue/redis_url.ts";
import { isPostgresUrl, openStoreAt } from "../core/store_open.ts";
import { dbPath, intFlag, parseFlags, usageError } from "./args.ts";
import { watchStopSignals } from "./stop_signal.ts";
import { runFinalJob, runSeedJob } from "./worker_jobs.ts";

/** Default lock duration in seconds (see the help text for its sizing). */
export const DEFAULT_LOCK_S = 120;

/** Help text of `lens worker`. */
export const HELP = `lens worker --queue redis://host:port --db TARGET [options]

Takes jobs of distributed sweeps ('lens sweep FILE --queue ...') from the
queue and stores what they train in TARGET, until SIGTERM or Ctrl-C. A job
is one seed of one variant (or all its seeds when a plugin compares seeds),
or a variant's final step (seed aggregates, run marked completed). Jobs
carry their config, plugin files and the sha256 of every data file they
read: a worker whose copy of a data file differs (or lacks it) refuses the
job, which then fails with that reason (not retried).

Stopping: the first SIGTERM / SIGINT stops the job in hand after its current
epoch and hands it back to the queue (another worker starts its seeds
again; their partial records are replaced), then the worker exits 0. A
second signal exits at once. A worker killed outright (kill -9, power loss)
loses its job's lock: after --lock-duration the job goes back to the queue.

Lock duration: a worker renews its job's lock from its event loop every
half lock duration, so the lock must outlast the longest stretch of work
that does not yield (one epoch of a big model on the CPU, a plugin's
end-of-seed analysis); a job whose lock lapses is taken as stalled and
given to another worker while the first still trains it. It is also how
long a killed worker's job waits before it is retried. Size it at 2-3x
the longest epoch plus end-of-seed analysis you expect (default ${DEFAULT_LOCK_S} s).

Options:
  --queue URL          redis://[user:password@]host:port[/db] (required)
  --db TARGET          run store: a SQLite file or postgres:// URL (required; the
                       same store as the sweep's)
  --concurrency N      jobs at once in this process (default 1; prefer more processes)
  --lock-duration S    seconds a job's lock lasts without renewal (default ${DEFAULT_LOCK_S})
  --name NAME          this worker's name in progress lines (default host:pid)
  --quiet              no per-job lines
  -h, --help           this help

Example:
  deno task lens worker --queue redis://127.0.0.1:6379 --db sweeps.db
`;

/** The store target of a --db value: a postgres URL as is, a path made absolute. */
export function storeTarget(value: unknown): string {
  return typeof value === "string" && isPostgresUrl(value) ? value : dbPath(value);
}

/** Runs `lens worker`. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseFlags("worker", args, {
    queue: { type: "string" },
    db: { type: "string" },
    concurrency: { type: "string" },
    "lock-duration": { type: "string" },
    name: { type: "string" },
    quiet: { type: "boolean" },
  }, { min: 0, max: 0, names: "" });
  if (typeof values.queue !== "string") throw usageError("worker", "--queue URL is required");
  if (typeof values.db !== "string") throw usageError("worker", "--db TARGET is required");
  const concurrency = intFlag("worker", "concurrency", values.concurrency, 1, 64) ?? 1;
  const lockS = intFlag("worker", "lock-duration", values["lock-duration"], 1, 86400) ??
    DEFAULT_LOCK_S;
  const redis = parseRedisUrl(values.queue);
  await checkRedis(redis);
  const db = storeTarget(values.db);
  openStoreAt(db).close(); // creates or migrates it; a refused store stops here
  const name = typeof values.name === "string" ? values.name : `${hostname()}:${Deno.pid}`;
  const quiet = values.quiet === true;
  const log = (line: string) => quiet ? undefined : console.error(`[${name}] ${line}`);

  const stopped = Promise.withResolvers<void>();
  const stop = await watchStopSignals(() => {
    log("stopping: the job in hand goes back to the queue after its current epoch");
    stopped.resolve();
  });
  const worker = new Worker(
    QUEUE_NAME,
    async (job, token) => {
      const d = readJobData(job.data);
      const ctx = { db, worker: name, signal: stop.signal, log, onEpoch: () => stop.poll() };
      const t0 = performance.now();
      try {
        if (d.kind === "final") {
          const children = Object.values(await job.getChildrenValues()) as SeedJobResult[];
          const n = runFinalJob(d as FinalJobData, children, ctx);
          log(`job ${job.id}: ${n} seed aggregates, run ${d.runId} completed`);
          return { worker: name, aggregates: n };
        }
        log(
          `job ${job.id}: variant ${d.variant} seed${d.seeds.length > 1 ? "s" : ""} ${
            d.seeds.join(",")
          } (attempt ${job.attemptsMade + 1})`,
        );
        const result = await runSeedJob(d, ctx);
        if (!result) {
          await job.moveToWait(token);
          log(`job ${job.id}: handed back`);
          throw new WaitingError();
        }
        log(`job ${job.id}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        return result;
      } catch (e) {
        if (e instanceof WaitingError) throw e;
        log(`job ${job.id}: failed: ${errorMessage(e)}`);
        // a job that cannot succeed anywhere (or not here) is not retried
        if (e instanceof LensError && e.code !== "store") {
          throw new UnrecoverableError(errorMessage(e));
        }
        throw e;
      }
    },
    {
      connection: connectionOptions(redis),
      concurrency,
      name,
      lockDuration: lockS * 1000,
      stalledInterval: Math.min(lockS, 30) * 1000,
      maxStalledCount: 2,
      autorun: false,
    },
  );
  worker.on("error", (e) => log(`queue: ${errorMessage(e)}`));
  const running = worker.run();
  log(`waiting for jobs on ${redis.display} (store ${db}, lock ${lockS} s)`);
  await Promise.race([stopped.promise, running]);
  await worker.close();
  await running.catch(() => {});
  stop.dispose();
  log("stopped");
  return 0;
}
