/**
 * Extra marks the dashboard draws on some plugins' charts from other
 * plugins' records, as those plugins declare them in their presentation
 * (`Presentation.decorations`, core/types.ts):
 *
 * - `overlay`: a curve (e.g. `ib-bound`'s IB bound) on the information
 *   planes (scatters coloured by epoch) of the plugins it names; the IB
 *   bound is drawn for the plane's labels (ib_overlay.ts);
 * - `markers`: vertical lines at epochs (e.g. the drift-to-diffusion
 *   transition `phases` detects) on the epoch-axis charts it names.
 *
 * A chart's own `overlay` wins.
 *
 * @module
 */
import type { ChartSpec, Plugin } from "../core/types.ts";

/** A source of vertical epoch markers. */
export interface MarkerSource {
  plugin: string;
  metric: string;
  label: string;
}

/** Marker sources declared for charts of `plugin` (charts whose x axis is the epoch). */
export function markersFor(plugins: readonly Plugin[], plugin: string): MarkerSource[] {
  return plugins.flatMap((p) =>
    (p.presentation?.decorations ?? []).flatMap((d) =>
      d.kind === "markers" && d.on.includes(plugin)
        ? [{ plugin: p.id, metric: d.metric, label: d.label }]
        : []
    )
  );
}

/**
 * The overlay to draw on `spec` of `plugin` with its records (`read` gives
 * them): the chart's own, or else the first one declared for it by a plugin
 * whose records the run stored (several families may decorate the same
 * chart; only those that ran have something to draw).
 */
export function overlayFor<R>(
  plugins: readonly Plugin[],
  plugin: string,
  spec: ChartSpec,
  read: (overlay: NonNullable<ChartSpec["overlay"]>) => R[],
): { overlay: NonNullable<ChartSpec["overlay"]>; records: R[] } | undefined {
  if (spec.overlay) return { overlay: spec.overlay, records: read(spec.overlay) };
  if (spec.type !== "scatter" || spec.colorBy !== "epoch") return undefined;
  for (const p of plugins) {
    for (const d of p.presentation?.decorations ?? []) {
      if (d.kind === "overlay" && d.on.includes(plugin)) {
        const overlay = { plugin: p.id, x: d.x, y: d.y, label: d.label };
        const records = read(overlay);
        if (records.length) return { overlay, records };
      }
    }
  }
  return undefined;
}

/** Whether `overlay` is the IB bound (ib-bound's curve), drawn for the plane's labels (ib_overlay.ts). */
export function isIbBound(overlay: NonNullable<ChartSpec["overlay"]>): boolean {
  return overlay.x === "ib_ixt" && overlay.y === "ib_ity";
}
