/**
 * The comparison table `lens sweep` prints: one line per variant
 * ({@link SweepRow}), as text or as JSON.
 *
 * @module
 */
import { fixed, textTable } from "./text_table.ts";
import type { SweepRow } from "./sweep_summary.ts";

function epochCell(v: number | null, digits = 0): string {
  return v === null ? "-" : fixed(v, digits);
}

/**
 * The rows as a text table with a title and a key to the columns.
 *
 * @example
 * ```ts
 * console.log(formatSweepTable("depth", rows));
 * ```
 */
export function formatSweepTable(sweep: string, rows: readonly SweepRow[]): string {
  if (!rows.length) return `sweep ${sweep}: no variant finished`;
  const thr = rows[0].lossThreshold;
  const tol = rows[0].planeTolerance;
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
    "layer",
    "IXT peak ep",
    "IXT peak",
    "IXT last",
    "ITY last",
    "plane ep",
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
    r.layer ?? "-",
    epochCell(r.ixtPeakEpoch),
    fixed(r.ixtPeak),
    fixed(r.ixtLast),
    fixed(r.ityLast),
    epochCell(r.planeEpoch),
  ]);
  // Without information-plane records in any variant the last six columns are empty: leave them out.
  const mi = rows.some((r) => r.layer !== null);
  const keep = (cells: string[]) => mi ? cells : cells.slice(0, 11);
  return [
    `sweep ${sweep} (means over seeds${mi ? "; MI in bits, last hidden layer" : ""})`,
    textTable(header.map(keep), body.map(keep)),
    `loss<${thr}: first stored epoch with train loss below ${thr} (mean over the seeds that ` +
    "reach it; reached: how many do)",
    ...(mi
      ? [
        `plane ep: first sampled epoch after which the layer's (I(X;T), I(T;Y)) stays within ` +
        `${tol} bits of its last value`,
      ]
      : []),
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
