/**
 * Copies runs from one store to another (`lens import`): each run whole,
 * in one transaction on the target, its id kept. A run the target already
 * has is skipped, so importing the same source twice writes nothing the
 * second time; a run still being written (status `running`) is skipped
 * too, as its writer would go on writing into the source only.
 *
 * @module
 */
import { LensError } from "../errors.ts";
import type { RunCopy, Store } from "../types.ts";

/** Reads run `id` of `from` whole, for {@link Store.importRun}. */
export function readRunCopy(from: Store, id: string): RunCopy {
  const run = from.getRun(id);
  if (!run) {
    throw new LensError(`no run "${id}" in ${from.path}`, {
      code: "not_found",
      field: "--run",
      expected: "the id of a run in the --from store",
    });
  }
  return {
    run,
    writer: from.writer?.(id) ?? { pid: null, host: null },
    records: from.queryResults(id).map(({ id: _id, ...r }) => r),
    epochs: from.epochsSince(id, 0).map(({ id: _id, ...e }) => e),
    models: from.modelSeeds(id).map((seed) => ({ seed, params: from.loadModel(id, seed)! })),
  };
}

/** What {@link copyRuns} did, by run id. */
export interface CopyReport {
  /** Runs written to the target. */
  copied: string[];
  /** Runs the target already had (nothing written). */
  present: string[];
  /** Runs still marked running in the source (not copied). */
  running: string[];
}

/**
 * Copies the runs `ids` (default: every run of `from`, oldest first) into
 * `to`; see the module notes for what is skipped.
 */
export function copyRuns(from: Store, to: Store, ids?: string[]): CopyReport {
  if (!to.importRun) {
    throw new LensError(`the store at ${to.path} cannot import runs`, {
      code: "usage",
      field: "--db",
      expected: "a SQLite file or a PostgreSQL URL",
    });
  }
  const report: CopyReport = { copied: [], present: [], running: [] };
  const order = ids ?? from.listRuns().map((r) => r.id).reverse();
  for (const id of order) {
    const copy = readRunCopy(from, id);
    if (copy.run.status === "running") {
      report.running.push(id);
      continue;
    }
    (to.importRun(copy) ? report.copied : report.present).push(id);
  }
  return report;
}
