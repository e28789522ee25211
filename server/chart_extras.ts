/**
 * Extra marks the dashboard draws on some plugins' charts from other
 * plugins' records, on top of what the charts' own specs say:
 *
 * - the IB bound (`ib-bound`'s curve) on the information planes of
 *   `mi-binned` and `mi-kde`, when the run has ib-bound results;
 * - the drift-to-diffusion transition a `phases` plugin detects
 *   (`snr_transition_epoch`) as vertical lines on the gradient SNR charts.
 *
 * Keyed by the charted plugin's id; a chart's own `overlay` wins.
 *
 * @module
 */
import type { ChartSpec } from "../core/types.ts";

/** A source of vertical epoch markers. */
export interface MarkerSource {
  plugin: string;
  metric: string;
  label: string;
}

/** Marker sources per charted plugin (charts whose x axis is the epoch). */
export const CHART_MARKERS: Record<string, MarkerSource[]> = {
  "grad-snr": [{ plugin: "phases", metric: "snr_transition_epoch", label: "SNR transition" }],
};

const IB_BOUND: NonNullable<ChartSpec["overlay"]> = {
  plugin: "ib-bound",
  x: "ib_ixt",
  y: "ib_ity",
  label: "IB bound",
};

/** Overlays per charted plugin, for its scatter charts coloured by epoch (information planes). */
export const CHART_OVERLAYS: Record<string, NonNullable<ChartSpec["overlay"]>> = {
  "mi-binned": IB_BOUND,
  "mi-kde": IB_BOUND,
};

/** The overlay to draw on `spec` of `plugin`: its own, or the one added here. */
export function overlayFor(plugin: string, spec: ChartSpec): ChartSpec["overlay"] {
  if (spec.overlay) return spec.overlay;
  if (spec.type === "scatter" && spec.colorBy === "epoch") return CHART_OVERLAYS[plugin];
  return undefined;
}

/** Whether `overlay` is the IB bound (ib-bound's curve), drawn for the plane's labels (ib_overlay.ts). */
export function isIbBound(overlay: NonNullable<ChartSpec["overlay"]>): boolean {
  return overlay.x === "ib_ixt" && overlay.y === "ib_ity";
}
