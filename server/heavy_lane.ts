/**
 * A lane for heavy reads (result pages, exports, chart aggregation): at
 * most `max` run at once, the others wait their turn without blocking the
 * event loop, so light routes (the runs table, run rows, static files)
 * answer while a burst of heavy reads is served.
 *
 * @module
 */

/** A counting semaphore. */
export interface Lane {
  /** Runs `fn` once a slot is free; the slot is held until its promise settles. */
  run<T>(fn: () => Promise<T> | T): Promise<T>;
  /** Requests in the lane now: working, waiting. */
  load(): { active: number; waiting: number };
}

/** A lane of `max` slots. */
export function createLane(max: number): Lane {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    active--;
    const next = waiting.shift();
    if (next) {
      active++;
      next();
    }
  };
  return {
    async run(fn) {
      if (active < max) active++;
      else await new Promise<void>((go) => waiting.push(go));
      try {
        return await fn();
      } finally {
        release();
      }
    },
    load: () => ({ active, waiting: waiting.length }),
  };
}

/** Lets the event loop run other tasks (timers, I/O, other requests) before going on. */
export function yieldToLoop(): Promise<void> {
  return new Promise((go) => setTimeout(go, 0));
}
