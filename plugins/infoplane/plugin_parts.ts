/**
 * Declarations the information-plane plugins mi-ksg and mi-noisy share:
 * the `layers` and `max_rows` options and the information-plane chart.
 *
 * @module
 */
import type { ChartSpec, OptionSpec } from "../../core/types.ts";

/** The `layers` option: which hook points to analyse. */
export const LAYERS_OPTION = {
  type: "string[]",
  default: [],
  description: "Hook points to analyse (e.g. [dense_1, output]); empty = all",
} as const satisfies OptionSpec;

/** The `max_rows` option with its default: a fixed seeded subset of rows bounds the cost. */
export function maxRowsOption(def: number) {
  return {
    type: "integer",
    default: def,
    min: 0,
    description: "Rows used, a fixed seeded subset per seed (bounds the cost; ixt is then at " +
      "most log2 max_rows); 0 = all",
  } as const satisfies OptionSpec;
}

/**
 * A scatter of `ity` against `ixt` per layer, coloured by epoch, with the
 * IB bound overlaid (how the dashboard draws an information plane).
 *
 * @example
 * ```ts
 * infoPlaneChart("infoplane-ksg", "Information plane (KSG / Ross)", "I(X;T)", "I(T;Y)");
 * ```
 */
export function infoPlaneChart(
  id: string,
  title: string,
  xLabel: string,
  yLabel: string,
): ChartSpec {
  return {
    id,
    title,
    type: "scatter",
    x: { metric: "ixt", label: `${xLabel} (bits)` },
    y: { metrics: ["ity"], label: `${yLabel} (bits)` },
    groupBy: "layer",
    colorBy: "epoch",
    // the IB curve, drawn when the run also has ib-bound results (as on mi-binned's plane)
    overlay: { plugin: "ib-bound", x: "ib_ixt", y: "ib_ity", label: "IB bound" },
  };
}
