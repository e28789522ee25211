/**
 * The `phases` plugin's records side by side per layer: the epoch where
 * the gradient SNR drops from drift to diffusion and the epoch where
 * I(X;T) peaks, for every seed, and the median of their difference. `lens
 * show` prints it; `tools/infoplane_report.ts` writes it as markdown.
 *
 * @module
 */
import type { ResultRecord } from "../../core/types.ts";
import { textTable } from "../../core/text_table.ts";

/** One layer's phases: per seed (in seed order; undefined where none was found). */
export interface PhasesRow {
  /** Hook point. */
  layer: string;
  /** Seeds, in the order of the two lists below. */
  seeds: number[];
  /** SNR drift-to-diffusion transition epoch per seed. */
  transition: (number | undefined)[];
  /** Epoch of the I(X;T) peak per seed. */
  peak: (number | undefined)[];
  /** Median over seeds of peak minus transition (epochs); undefined without any. */
  medianGap: number | undefined;
}

function median(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * Rows per layer (in record order) of the `phases` records; empty when
 * there are none.
 *
 * @example
 * ```ts
 * phasesRows(store.queryResults(runId, { plugin: "phases" }));
 * // [{ layer: "dense_5", seeds: [0, 1], transition: [240, 190], peak: [80, 85], medianGap: -132.5 }, ...]
 * ```
 */
export function phasesRows(records: readonly ResultRecord[]): PhasesRow[] {
  const ph = records.filter((r) => r.plugin === "phases" && r.seed >= 0);
  const seeds = [...new Set(ph.map((r) => r.seed))].sort((a, b) => a - b);
  const layers = [...new Set(ph.map((r) => r.layer))];
  return layers.map((layer) => {
    const get = (metric: string) =>
      seeds.map((s) =>
        ph.find((r) => r.layer === layer && r.seed === s && r.metric === metric)?.value
      );
    const gaps = get("peak_minus_transition").filter((v): v is number => v !== undefined);
    return {
      layer,
      seeds,
      transition: get("snr_transition_epoch"),
      peak: get("ixt_peak_epoch"),
      medianGap: median(gaps),
    };
  });
}

const cell = (v: number | undefined) => v === undefined ? "-" : String(Math.round(v));

/**
 * One row's cells as `lens show` prints them (layer, per-seed transitions, per-seed peaks,
 * median gap; whole epochs, "-" where none), so every printer of the table shows the same text.
 *
 * @example
 * ```ts
 * phasesCells({ layer: "dense_5", seeds: [0, 1], transition: [240, undefined], peak: [80, 85],
 *   medianGap: -160 }); // ["dense_5", "240, -", "80, 85", "-160"]
 * ```
 */
export function phasesCells(r: PhasesRow): [string, string, string, string] {
  return [
    r.layer,
    r.transition.map(cell).join(", "),
    r.peak.map(cell).join(", "),
    cell(r.medianGap),
  ];
}

/** The rows as a text table, or "" without `phases` records. */
export function formatPhasesTable(records: readonly ResultRecord[]): string {
  const rows = phasesRows(records);
  if (!rows.length) return "";
  return [
    "Phases (phases: SNR drift -> diffusion transition vs I(X;T) peak, epochs; per seed " +
    rows[0].seeds.join(", ") + ")",
    textTable(
      [["layer", "SNR transition", "I(X;T) peak", "median peak - transition"]],
      rows.map(phasesCells),
    ),
  ].join("\n");
}
