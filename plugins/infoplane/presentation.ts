/**
 * How the information-plane family presents itself beside its charts: its
 * dashboard tabs, the per-layer table of `lens show` for each estimator
 * that emits `ixt` / `ity`, and the sweep table's columns of the last
 * hidden layer's path (sweep_columns.ts).
 *
 * @module
 */
import type { Presentation, TabSpec } from "../../core/types.ts";
import { formatInfoTable } from "./info_table.ts";
import { infoPlaneSweepColumns } from "./sweep_columns.ts";

/** The dashboard tab of the information plane (estimators and the IB plugins). */
export const INFOPLANE_TAB: TabSpec = { id: "infoplane", title: "Information plane", order: 10 };

/** The dashboard tab of the gradient statistics (SNR and its phases). */
export const GRADIENTS_TAB: TabSpec = { id: "gradients", title: "Gradient SNR", order: 20 };

/**
 * The presentation of an MI estimator `plugin` whose records are `ixt` and
 * `ity` per layer, epoch and seed: the information-plane tab, a table of
 * first / peak / last points, and sweep columns of the last hidden layer.
 *
 * @example
 * ```ts
 * const p = estimatorPresentation("mi-binned");
 * p.tables![0].format(store.queryResults(runId)); // "Information plane (mi-binned, ...)"
 * ```
 */
export function estimatorPresentation(plugin: string): Presentation {
  return {
    tab: INFOPLANE_TAB,
    tables: [{ id: `information-plane:${plugin}`, format: (r) => formatInfoTable(r, plugin) }],
    sweepColumns: infoPlaneSweepColumns(plugin),
  };
}
