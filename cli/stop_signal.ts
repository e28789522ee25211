/**
 * Turns Ctrl-C / SIGTERM into a clean stop of a run: the first signal
 * aborts (the engine stops after the current epoch and marks the run
 * interrupted), a second one ends the process at once. Signals are caught
 * in a worker (stop_signal_worker.ts) so they arrive even while the main
 * thread trains without yielding; {@link StopWatch.poll} reads the shared
 * flag synchronously from the per-epoch callback. A launcher that ends
 * (`npx ... task lens run`, killed) counts as a SIGTERM.
 *
 * @module
 */

/** A stop request source for one run. */
export interface StopWatch {
  readonly signal: AbortSignal;
  /** Checks for a signal received meanwhile (cheap; call once per epoch). */
  poll(): void;
  /** The exit code of a stopped run: 130 after SIGINT, 143 after SIGTERM (or a launcher gone). */
  exitCode(): number;
  dispose(): void;
}

/** The exit code of a process stopped by signal number `n` (128 + n). */
export function signalExitCode(n: number): number {
  return 128 + n;
}

/**
 * Starts watching SIGINT (and SIGTERM and the launcher chain off Windows);
 * `onStop` is called once when the first stop request arrives, with a note
 * saying why when it was not a signal. Resolves when the watcher is listening.
 */
export async function watchStopSignals(onStop: (note?: string) => void): Promise<StopWatch> {
  const controller = new AbortController();
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(new URL("./stop_signal_worker.ts", import.meta.url).href, {
    type: "module",
  });
  let note: string | undefined;
  const poll = () => {
    if (!controller.signal.aborted && Atomics.load(flag, 0) > 0) {
      controller.abort();
      onStop(note);
    }
  };
  const ready = Promise.withResolvers<void>();
  worker.onmessage = (e: MessageEvent<{ n: number; note?: string }>) => {
    if (e.data.n === 0) ready.resolve();
    note ??= e.data.note;
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
    exitCode: () => signalExitCode(Atomics.load(flag, 1) || 2),
    dispose: () => worker.terminate(),
  };
}
