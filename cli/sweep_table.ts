/**
 * The comparison table `lens sweep` prints: one line per variant
 * ({@link SweepRow}), as text or as JSON.
 *
 * @module
 */
import { fixed, textTable } from "../core/text_table.ts";
import type { SweepColumnSpec } from "../core/types.ts";
import type { SweepRow } from "./sweep_summary.ts";

function epochCell(v: number | null, digits = 0): string {
  return v === null ? "-" : fixed(v, digits);
}

/**
 * The rows as a text table with a title and a key to the columns: the
 * training statistics, then each plugin column group that has cells in
 * some variant (`columns`, as given to sweepRow).
 *
 * @example
 * ```ts
 * console.log(formatSweepTable("depth", rows, columns, { plane_tolerance: 0.1 }));
 * ```
 */
export function formatSweepTable(
  sweep: string,
  rows: readonly SweepRow[],
  columns: readonly SweepColumnSpec[] = [],
  settings: Readonly<Record<string, number>> = {},
): string {
  if (!rows.length) return `sweep ${sweep}: no variant finished`;
  const thr = rows[0].lossThreshold;
  // a plugin's group is shown when some variant has cells for it
  const shown = columns.filter((c) => rows.some((r) => r.columns.find((g) => g.id === c.id)?.text));
  const header = [[
    "variant",
    "seeds",
    "epochs",
    "train loss",
    "train acc",
    "test loss",
    "test acc",
    "min test loss",
    "at ep",
    `loss<${thr}`,
    "reached",
    ...shown.flatMap((c) => c.headers),
  ]];
  const body = rows.map((r) => [
    r.variant,
    String(r.seeds),
    String(r.epochs),
    fixed(r.trainLoss, 4),
    fixed(r.trainAccuracy),
    fixed(r.testLoss, 4),
    fixed(r.testAccuracy),
    fixed(r.testLossMin, 4),
    epochCell(r.testLossMinEpoch),
    epochCell(r.thresholdEpoch),
    `${r.thresholdReached}/${r.seeds}`,
    ...shown.flatMap((c) => r.columns.find((g) => g.id === c.id)?.text ?? c.headers.map(() => "-")),
  ]);
  const titles = shown.map((c) => c.title).filter((t): t is string => !!t);
  return [
    `sweep ${sweep} (means over seeds${titles.length ? `; ${titles.join("; ")}` : ""})`,
    textTable(header, body),
    `loss<${thr}: first stored epoch with train loss below ${thr} (mean over the seeds that ` +
    "reach it; reached: how many do)",
    ...shown.flatMap((c) => c.notes?.(settings) ?? []),
  ].join("\n");
}

/**
 * The rows as JSON (NaN as null), with the sweep's name and settings.
 *
 * @example
 * ```ts
 * JSON.parse(sweepTableJson("depth", "runs.db", rows)).rows[0].variant; // "depth-1"
 * ```
 */
export function sweepTableJson(sweep: string, db: string, rows: readonly SweepRow[]): string {
  return JSON.stringify({ sweep, db, rows }, null, 2) + "\n";
}
