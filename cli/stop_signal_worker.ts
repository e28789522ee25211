/**
 * Worker of stop_signal.ts: receives SIGINT / SIGTERM even while the main
 * thread is busy training (Deno delivers signals through an event loop, and
 * a training loop that only awaits settled promises never gives the main
 * one a turn). It counts signals in a shared Int32Array and tells the main
 * thread; a second signal ends the process at once.
 *
 * @module
 */

/// <reference lib="deno.worker" />

self.onmessage = (e: MessageEvent<{ flag: Int32Array; signals: Deno.Signal[] }>) => {
  const { flag, signals } = e.data;
  for (const s of signals) {
    Deno.addSignalListener(s, () => {
      const n = Atomics.add(flag, 0, 1) + 1;
      if (n >= 2) Deno.kill(Deno.pid, "SIGKILL");
      self.postMessage(n);
    });
  }
  self.postMessage(0);
};
