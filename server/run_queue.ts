/**
 * Runs started through the server: at most `maxRuns` train at once, up to
 * `maxQueue` more wait (first come, first started), beyond that a start is
 * refused with 429. A run can be stopped while it waits (it never starts)
 * or while it trains (its process is asked to stop, see spawn_run.ts).
 *
 * @module
 */
import { errorMessage, LensError } from "../core/errors.ts";
import type { RunHandle, SpawnRun } from "./context.ts";

/** A run submitted to the queue. */
export interface QueuedRun {
  id: string;
  name: string;
  yaml: string;
}

/** The queue's view of a run it knows. */
export type QueueState = "queued" | "running";

/** The queue of server-started runs. */
export interface RunQueue {
  /** Starts the run now if a slot is free, else queues it; 429 (`busy`) when the queue is full. */
  submit(run: QueuedRun): Promise<QueueState>;
  /** Stops a run: `dequeued` if it was waiting, `stopping` if it trains, undefined if unknown. */
  stop(id: string): "dequeued" | "stopping" | undefined;
  /** Whether the queue holds `id`, and how. */
  state(id: string): QueueState | undefined;
  /** Runs training, runs waiting. */
  counts(): { running: number; queued: number };
  /** Drops every waiting run (the server is shutting down); training ones are left alone. */
  drain(): void;
}

/** Callbacks of the queue into the app (both must not throw). */
export interface QueueHooks {
  /** A waiting run was stopped before it started (`why`: by whom). */
  onDequeued(run: QueuedRun, why: string): void;
  /** A waiting run could not be started when its turn came. */
  onStartFailed(run: QueuedRun, message: string): void;
  /** A waiting run has just been started. */
  onStarted(run: QueuedRun): void;
}

/** A queue starting runs with `spawn`. */
export function createRunQueue(
  spawn: SpawnRun,
  limits: { maxRuns: number; maxQueue: number },
  hooks: QueueHooks,
): RunQueue {
  const running = new Map<string, RunHandle>();
  const waiting: QueuedRun[] = [];

  /**
   * Takes a slot at once (so concurrent submits cannot overfill), then
   * starts the process; a stop asked for meanwhile is passed on once it runs.
   */
  const start = async (run: QueuedRun): Promise<void> => {
    let stopAsked = false;
    const reserved: RunHandle = {
      done: new Promise(() => {}),
      stop: () => {
        stopAsked = true;
      },
    };
    running.set(run.id, reserved);
    let handle: RunHandle | void;
    try {
      handle = await spawn(run.yaml, run.id);
    } catch (e) {
      running.delete(run.id);
      pump();
      throw e;
    }
    if (!handle) {
      running.delete(run.id); // an untracked starter: the run takes no slot
      pump();
      return;
    }
    running.set(run.id, handle);
    handle.done.finally(() => {
      running.delete(run.id);
      pump();
    });
    if (stopAsked) handle.stop();
  };

  const pump = () => {
    while (running.size < limits.maxRuns && waiting.length) {
      const next = waiting.shift()!;
      start(next).then(
        () => hooks.onStarted(next),
        (e) => hooks.onStartFailed(next, errorMessage(e)),
      );
    }
  };

  return {
    async submit(run) {
      if (running.size < limits.maxRuns && !waiting.length) {
        await start(run);
        return "running";
      }
      if (waiting.length >= limits.maxQueue) {
        throw new LensError(
          `${running.size} runs are training and ${waiting.length} are waiting`,
          {
            code: "busy",
            expected: "a start once a run has finished (or a server started with larger " +
              "--max-runs / --max-queue)",
          },
        );
      }
      waiting.push(run);
      return "queued";
    },
    stop(id) {
      const at = waiting.findIndex((r) => r.id === id);
      if (at >= 0) {
        const [run] = waiting.splice(at, 1);
        hooks.onDequeued(run, "stopped before it started");
        return "dequeued";
      }
      const handle = running.get(id);
      if (!handle) return undefined;
      handle.stop();
      return "stopping";
    },
    state(id) {
      if (waiting.some((r) => r.id === id)) return "queued";
      return running.has(id) ? "running" : undefined;
    },
    counts: () => ({ running: running.size, queued: waiting.length }),
    drain() {
      for (const run of waiting.splice(0)) {
        hooks.onDequeued(run, "the server stopped before the run started");
      }
    },
  };
}
