/**
 * Finds the run a command names: its full id, a unique prefix of it, or
 * `latest` for the newest run.
 *
 * @module
 */
import { LensError } from "../core/errors.ts";
import type { RunRow, Store } from "../core/types.ts";

/**
 * The run `ref` names in `store`.
 *
 * @example
 * ```ts
 * findRun(store, "latest").id;
 * findRun(store, "20261124-01").id; // when only one id starts so
 * ```
 */
export function findRun(store: Store, ref: string): RunRow {
  const exact = store.getRun(ref);
  if (exact) return exact;
  const runs = store.listRuns();
  if (ref === "latest" || ref === "last") {
    if (runs.length) return runs[0];
    throw new LensError("the database holds no runs", {
      code: "not_found",
      file: store.path,
      expected: "a database with at least one run",
    });
  }
  const matches = runs.filter((r) => r.id.startsWith(ref));
  if (matches.length === 1) return matches[0];
  const recent = runs.slice(0, 5).map((r) => r.id).join(", ");
  throw new LensError(
    matches.length > 1
      ? `"${ref}" matches ${matches.length} runs: ${
        matches.slice(0, 5).map((r) => r.id).join(", ")
      }`
      : `no run "${ref}"`,
    {
      code: "not_found",
      file: store.path,
      expected: runs.length
        ? `a run id, a unique prefix of one, or latest (recent: ${recent})`
        : "a run id (the database holds no runs)",
    },
  );
}
