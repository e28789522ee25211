/**
 * The text tables plugins declare (`presentation.tables`) for a run's
 * records: what `lens show`, `lens analyze`, `lens features` and the demo
 * print below their summary, without naming any plugin.
 *
 * @module
 */
import type { Plugin, ResultRecord } from "../core/types.ts";

/**
 * The tables the plugins of a run's records declare
 * (`presentation.tables`), each printed once, in plugin order.
 */
export function pluginTables(
  plugins: readonly Plugin[],
  records: readonly ResultRecord[],
): string[] {
  const present = new Set(records.map((r) => r.plugin));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of plugins) {
    if (!present.has(p.id)) continue;
    for (const t of p.presentation?.tables ?? []) {
      if (seen.has(t.id)) continue;
      seen.add(t.id);
      const text = t.format(records);
      if (text) out.push(text);
    }
  }
  return out;
}
