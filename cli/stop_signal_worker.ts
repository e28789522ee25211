/**
 * Worker of stop_signal.ts: receives SIGINT / SIGTERM even while the main
 * thread is busy training (Deno delivers signals through an event loop, and
 * a training loop that only awaits settled promises never gives the main
 * one a turn). It counts stop requests in a shared Int32Array (slot 0: how
 * many, slot 1: the signal number of the first) and tells the main thread;
 * a second signal ends the process at once. It also polls the launcher
 * chain (launcher_chain.ts) twice a second: a launcher that ended counts as
 * a SIGTERM.
 *
 * @module
 */

/// <reference lib="deno.worker" />
import { endedLink, launcherChain } from "./launcher_chain.ts";

/** Signal numbers recorded in the shared flag. */
const NUMBERS: Partial<Record<Deno.Signal, number>> = { SIGINT: 2, SIGTERM: 15 };

self.onmessage = (e: MessageEvent<{ flag: Int32Array; signals: Deno.Signal[] }>) => {
  const { flag, signals } = e.data;
  const request = (signal: number, note?: string) => {
    Atomics.compareExchange(flag, 1, 0, signal);
    const n = Atomics.add(flag, 0, 1) + 1;
    if (n >= 2) Deno.kill(Deno.pid, "SIGKILL");
    self.postMessage({ n, note });
  };
  for (const s of signals) Deno.addSignalListener(s, () => request(NUMBERS[s] ?? 15));
  const chain = launcherChain();
  if (chain.length) {
    const timer = setInterval(() => {
      // a Ctrl-C in a terminal reaches the launchers too: once stopping, a
      // launcher that goes is not a second request (which would kill at once)
      if (Atomics.load(flag, 0) > 0) return clearInterval(timer);
      const gone = endedLink(chain);
      if (!gone) return;
      clearInterval(timer);
      request(
        15,
        `the process that launched this run ended (pid ${gone.pid}: ${gone.command})`,
      );
    }, 500);
  }
  self.postMessage({ n: 0 });
};
