/**
 * Legend names of metrics from the plugins' descriptions, rather than raw
 * ids (`var_phi` reads "Var[Phi^(l)] / Var[f]", `ixt` reads "I(X;T)"): the
 * part of the description before " = ", ": " or " (", when that is short;
 * the id otherwise.
 *
 * @example
 * ```ts
 * metricName({ name: "ixt", description: "I(X;T) = H(T) of the binned layer" }); // "I(X;T)"
 * ```
 *
 * @module
 */
import type { ChartSeries } from "./chart_data.ts";

/** Longest name taken from a description. */
export const MAX_NAME = 32;

/** The legend name of one emitted metric. */
export function metricName(m: { name: string; description?: string }): string {
  let d = (m.description ?? "").trim();
  const eq = d.indexOf(" = ");
  if (eq > 0) d = d.slice(0, eq);
  for (const cut of [": ", " ("]) {
    const i = d.indexOf(cut);
    if (i > 0) d = d.slice(0, i);
  }
  d = d.trim();
  return d && d.length <= MAX_NAME ? d : m.name;
}

/**
 * Series labels with each metric id (a whole word of the label) replaced
 * by its name; `emits` are the plugin's declared metrics.
 */
export function nameSeries(
  series: ChartSeries[],
  emits: readonly { name: string; description?: string }[] | undefined,
): ChartSeries[] {
  if (!emits?.length) return series;
  const names = new Map(emits.map((m) => [m.name, metricName(m)]));
  return series.map((s) => {
    const name = names.get(s.metric);
    if (!name || name === s.metric) return s;
    const label = s.label.split(" ").map((w) => (w === s.metric ? name : w)).join(" ");
    return { ...s, label };
  });
}
