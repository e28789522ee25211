/**
 * The information-plane summary of a run: for every layer, I(X;T) and
 * I(T;Y) (mi-binned, bits, mean over seeds) at the first sampled epoch, at
 * the epoch where I(X;T) peaks, and at the last sampled epoch. Fitting
 * shows as a peak above the first value, compression as a last value below
 * the peak. Pure functions from records to rows and text.
 *
 * @module
 */
import type { ResultRecord } from "../../core/types.ts";
import { fixed, textTable } from "../../core/text_table.ts";

/** I(X;T) and I(T;Y) of one layer at one epoch (means over seeds). */
export interface InfoPoint {
  epoch: number;
  ixt: number;
  ity: number;
}

/** One layer's row of the table. */
export interface InfoRow {
  layer: string;
  first: InfoPoint;
  peak: InfoPoint;
  last: InfoPoint;
}

/**
 * Rows of the table from tidy records: only `mi-binned` records of seeds
 * >= 0 (not the seed-aggregate rows) count; layers keep the order in which
 * they first appear. `seeds` is the number of distinct seeds averaged.
 *
 * @example
 * ```ts
 * const { rows } = infoTableRows(store.queryResults(runId, { plugin: "mi-binned" }));
 * rows[0]; // { layer: "dense_1", first: { epoch: 0, ixt: 12, ity: 0.999 }, peak: ..., last: ... }
 * ```
 */
export function infoTableRows(
  records: readonly ResultRecord[],
  plugin = "mi-binned",
): { rows: InfoRow[]; seeds: number } {
  const sums = new Map<string, Map<number, { ixt: number; nx: number; ity: number; ny: number }>>();
  const seeds = new Set<number>();
  for (const r of records) {
    if (r.plugin !== plugin || r.seed < 0 || (r.metric !== "ixt" && r.metric !== "ity")) continue;
    if (!Number.isFinite(r.value)) continue;
    seeds.add(r.seed);
    let byEpoch = sums.get(r.layer);
    if (!byEpoch) sums.set(r.layer, byEpoch = new Map());
    let s = byEpoch.get(r.epoch);
    if (!s) byEpoch.set(r.epoch, s = { ixt: 0, nx: 0, ity: 0, ny: 0 });
    if (r.metric === "ixt") {
      s.ixt += r.value;
      s.nx++;
    } else {
      s.ity += r.value;
      s.ny++;
    }
  }
  const rows: InfoRow[] = [];
  for (const [layer, byEpoch] of sums) {
    const points: InfoPoint[] = [...byEpoch.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([epoch, s]) => ({
        epoch,
        ixt: s.nx ? s.ixt / s.nx : NaN,
        ity: s.ny ? s.ity / s.ny : NaN,
      }));
    let peak = points[0];
    for (const p of points) if (p.ixt > peak.ixt || !Number.isFinite(peak.ixt)) peak = p;
    rows.push({ layer, first: points[0], peak, last: points[points.length - 1] });
  }
  return { rows, seeds: seeds.size };
}

/**
 * The table as text, or an empty string when there are no mi-binned
 * records.
 *
 * @example
 * ```ts
 * console.log(formatInfoTable(store.queryResults(runId, { plugin: "mi-binned" })));
 * ```
 */
export function formatInfoTable(records: readonly ResultRecord[], plugin = "mi-binned"): string {
  const { rows, seeds } = infoTableRows(records, plugin);
  if (!rows.length) return "";
  const header = [[
    "layer",
    "epoch",
    "I(X;T)",
    "I(T;Y)",
    "epoch",
    "I(X;T)",
    "I(T;Y)",
    "epoch",
    "I(X;T)",
    "I(T;Y)",
  ]];
  const groups = [
    { col: 1, label: "first" },
    { col: 4, label: "peak of I(X;T)" },
    { col: 7, label: "last" },
  ];
  const body = rows.map((r) => [
    r.layer,
    String(r.first.epoch),
    fixed(r.first.ixt),
    fixed(r.first.ity),
    String(r.peak.epoch),
    fixed(r.peak.ixt),
    fixed(r.peak.ity),
    String(r.last.epoch),
    fixed(r.last.ixt),
    fixed(r.last.ity),
  ]);
  const title = `Information plane (${plugin}, bits, mean over ${seeds} seed${
    seeds === 1 ? "" : "s"
  })`;
  return `${title}\n${textTable(header, body, "   ", groups)}`;
}
