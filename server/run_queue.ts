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
}

/** Callbacks of the queue into the app (both must not throw). */
export interface QueueHooks {
  /** A waiting run was stopped before it started. */
  onDequeued(run: QueuedRun): void;
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

  const launch = async (run: QueuedRun) => {
    const handle = await spawn(run.yaml, run.id);
    if (!handle) return; // an untracked starter: the run takes no slot
    running.set(run.id, handle);
    handle.done.finally(() => {
      running.delete(run.id);
      pump();
    });
  };

  const pump = () => {
    while (running.size < limits.maxRuns && waiting.length) {
      const next = waiting.shift()!;
      // reserve the slot while the process starts
      const reserved: RunHandle = { done: new Promise(() => {}), stop: () => {} };
      running.set(next.id, reserved);
      launch(next).then(
        () => {
          if (running.get(next.id) === reserved) running.delete(next.id);
          hooks.onStarted(next);
        },
        (e) => {
          running.delete(next.id);
          hooks.onStartFailed(next, errorMessage(e));
          pump();
        },
      );
    }
  };

  return {
    async submit(run) {
      if (running.size < limits.maxRuns && !waiting.length) {
        await launch(run);
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
        hooks.onDequeued(run);
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
  };
}
