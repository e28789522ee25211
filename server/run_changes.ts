/**
 * Waiting for a run to change, for the live event stream: on a store that
 * can tell (PostgreSQL: LISTEN/NOTIFY through {@link Store.watch}) a wait
 * ends as soon as another process commits a change to the run, at most one
 * wake per `minGapMs` however fast the writer goes; a fallback timeout still
 * ends it, for what no notification announces (a writer that died).
 *
 * @module
 */
import type { Store } from "../core/types.ts";

/** A subscription to one run's changes. */
export interface RunChanges {
  /**
   * Resolves when the run changed since the previous call returned (at
   * once, or as soon as it does, but not sooner than `minGapMs` after the
   * previous return), after `timeoutMs` at the latest, or on {@link wake}.
   */
  next(timeoutMs: number): Promise<void>;
  /** Ends a pending {@link next} now (the client left, the server stops). */
  wake(): void;
  /** Stops listening; a pending {@link next} ends. */
  close(): void;
}

/** Subscribes to changes of run `runId`; undefined when the store cannot notify (poll instead). */
export function watchRun(store: Store, runId: string, minGapMs = 100): RunChanges | undefined {
  if (!store.watch) return undefined;
  let dirty = false;
  let lastReturn = 0;
  let pending: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settle = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const done = pending;
    pending = undefined;
    dirty = false;
    lastReturn = Date.now();
    done?.();
  };
  const arm = (ms: number) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(settle, Math.max(0, ms));
  };
  const stop = store.watch((changed) => {
    if (changed !== runId && changed !== "") return;
    dirty = true;
    if (pending) arm(lastReturn + minGapMs - Date.now());
  });
  return {
    next(timeoutMs) {
      return new Promise<void>((resolve) => {
        pending = resolve;
        arm(dirty ? lastReturn + minGapMs - Date.now() : timeoutMs);
      });
    },
    wake: settle,
    close() {
      stop();
      settle();
    },
  };
}
