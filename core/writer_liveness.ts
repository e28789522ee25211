/**
 * Whether the process writing a run is still there. The store records the
 * pid and host name of the process that created each run; a reader on the
 * same host can probe that pid (`/proc/PID`, or signal 0 elsewhere). A run
 * still marked `running` whose writer is gone was killed without a chance
 * to mark itself (kill -9, a power cut, an OOM kill): readers report it as
 * interrupted instead of following it forever.
 *
 * @example
 * ```ts
 * const w = store.writer(runId);
 * if (run.status === "running" && w && writerGone(w)) console.log("interrupted");
 * ```
 *
 * @module
 */
import { hostname } from "node:os";
import { processAlive } from "./store.ts";

/** The pid and host name a run was created by, as the store records them. */
export interface RunWriter {
  pid: number | null;
  host: string | null;
}

/**
 * True when the writer is known to be gone: same host as this process and
 * its pid no longer alive. Unknown writers (no pid, another host) are not
 * judged: false. This process's own pid is alive by definition.
 */
export function writerGone(w: RunWriter, host: string = hostname()): boolean {
  if (w.pid === null || w.host === null || w.host !== host) return false;
  if (w.pid === Deno.pid) return false;
  return !processAlive(w.pid);
}

/** The message a reader shows for a run whose writer is gone. */
export function goneMessage(w: RunWriter): string {
  return `the process writing this run (pid ${w.pid} on ${w.host}) is gone; the run did not ` +
    "finish and everything it wrote is kept";
}
