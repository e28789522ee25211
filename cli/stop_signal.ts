/**
 * Turns Ctrl-C / SIGTERM into a clean stop of a run: the first signal
 * aborts (the engine stops after the current epoch and marks the run
 * interrupted), a second one ends the process at once. Signals are caught
 * in a worker (stop_signal_worker.ts) so they arrive even while the main
 * thread trains without yielding; {@link StopWatch.poll} reads the shared
 * flag synchronously from the per-epoch callback.
 *
 * @module
 */

/** A stop request source for one run. */
export interface StopWatch {
  readonly signal: AbortSignal;
  /** Checks for a signal received meanwhile (cheap; call once per epoch). */
  poll(): void;
  dispose(): void;
}

/**
 * Starts watching SIGINT (and SIGTERM off Windows); `onStop` is called once
 * when the first arrives. Resolves when the watcher is listening.
 */
export async function watchStopSignals(onStop: () => void): Promise<StopWatch> {
  const controller = new AbortController();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL("./stop_signal_worker.ts", import.meta.url).href, {
    type: "module",
  });
  const poll = () => {
    if (!controller.signal.aborted && Atomics.load(flag, 0) > 0) {
      controller.abort();
      onStop();
    }
  };
  const ready = Promise.withResolvers<void>();
  worker.onmessage = (e: MessageEvent<number>) => {
    if (e.data === 0) ready.resolve();
    poll();
  };
  worker.onerror = (e) => {
    e.preventDefault();
    ready.reject(new Error(`signal watcher failed: ${e.message}`));
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  worker.postMessage({ flag, signals });
  await ready.promise;
  return {
    signal: controller.signal,
    poll,
    dispose: () => worker.terminate(),
  };
}
