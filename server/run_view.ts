/**
 * A stored run as the server shows it: a run still marked `running` whose
 * writing process is gone (same host, pid dead: kill -9, OOM) is shown as
 * interrupted; and for runs whose data is a file, quoted text in error
 * messages is blanked, so a loader's message ("\"a secret\" is not a
 * number") never carries a file's contents out through the API.
 *
 * @module
 */
import type { RunRow, Store } from "../core/types.ts";
import { goneMessage, writerGone } from "../core/writer_liveness.ts";

const BUILTIN_DATA = new Set(["tishby12", "mnist"]);

/** Blanks quoted spans ("..." and '...') and listed archive contents of a message. */
export function redactContent(message: string): string {
  return message
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '"…"')
    .replace(/'[^'\n]*'/g, "'…'")
    .replace(/\(it holds: [^)]*\)/g, "(it holds: …)");
}

/** Whether a run's config names a built-in data set (errors of those cannot echo a file). */
function builtinData(run: RunRow): boolean {
  const name = (run.config as { data?: { name?: unknown } } | null)?.data?.name;
  return typeof name === "string" && BUILTIN_DATA.has(name);
}

/** The run as the API shows it (liveness of its writer checked, file contents blanked). */
export function viewRun(store: Store, run: RunRow): RunRow {
  let out = run;
  if (run.status === "running") {
    const w = store.writer?.(run.id);
    if (w && writerGone(w)) out = { ...run, status: "interrupted", error: goneMessage(w) };
  }
  if (!builtinData(out)) {
    out = {
      ...out,
      error: out.error === null ? null : redactContent(out.error),
      pluginErrors: out.pluginErrors.map((e) => ({ ...e, message: redactContent(e.message) })),
    };
  }
  return out;
}
