/**
 * The feature-complexity records of a run (plugins/complexity) as text
 * tables, one per analysed feature (`layer`; for `kd-compression` one per
 * kind of network): a row per order l (row `f` = index 0, the original
 * feature) and a column per metric, the mean over seeds with the standard
 * deviation when there are several (`0.372±0.012`). Columns without values
 * are left out.
 *
 * @module
 */
import { meanSd } from "../../core/aggregate.ts";
import type { ResultRecord } from "../../core/types.ts";
import { textTable } from "../../core/text_table.ts";

/** A column: its heading, the metric, the plugin it is read from and whether kd-compression has it. */
interface Column {
  head: string;
  metric: string;
  plugin: string;
  kd: boolean;
}

const KD = "kd-compression";

/** The columns, in order. */
const COLUMNS: Column[] = [
  { head: "rho", metric: "rho", plugin: "disentangle", kd: true },
  { head: "var_phi", metric: "var_phi", plugin: "disentangle", kd: true },
  { head: "var_res", metric: "var_residual", plugin: "disentangle", kd: true },
  { head: "loss", metric: "loss", plugin: "disentangle", kd: true },
  { head: "rho_reli", metric: "rho_reli", plugin: "reliability", kd: true },
  { head: "phi", metric: "phi", plugin: "shapley-effectiveness", kd: true },
  { head: "alpha_eff", metric: "alpha_eff", plugin: "shapley-effectiveness", kd: true },
  { head: "phi_overfit", metric: "phi_overfit", plugin: "shapley-overfitting", kd: true },
  { head: "alpha_overfit", metric: "alpha_overfit", plugin: "shapley-overfitting", kd: true },
  { head: "test_acc", metric: "test_accuracy", plugin: "boost", kd: true },
  { head: "test_loss", metric: "test_loss", plugin: "boost", kd: true },
];

const PLUGINS = new Set([KD, ...COLUMNS.map((c) => c.plugin)]);

/** A value with three significant digits (no exponent for ordinary magnitudes). */
function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e5) return String(Number(v.toPrecision(3)));
  return v.toExponential(2);
}

/**
 * Seed mean, and `±sd` (sample standard deviation) when there are several
 * values, over the finite ones as the stored seed aggregates take them.
 */
export function meanCell(values: number[]): string {
  if (!values.length) return "";
  const { mean, sd, n } = meanSd(values);
  return n > 1 ? `${num(mean)}±${num(sd)}` : num(mean);
}

/**
 * The tables of `records`, each headed by its feature and the number of
 * seeds; an empty string when there are no complexity records.
 *
 * @example
 * ```ts
 * console.log(formatComplexityTable(store.queryResults(runId)));
 * // feature dense_3 (disentangle, 3 seeds)
 * // order  rho    var_phi  ...
 * ```
 */
export function formatComplexityTable(records: readonly ResultRecord[]): string {
  // group -> "plugin/metric/index" -> values (one per seed)
  const groups = new Map<string, Map<string, number[]>>();
  const seeds = new Map<string, Set<number>>();
  for (const r of records) {
    if (!PLUGINS.has(r.plugin) || r.seed < 0) continue; // seed < 0: aggregates over seeds
    const group = r.plugin === KD ? `${KD} ${r.layer}` : r.layer;
    const g = groups.get(group) ?? new Map<string, number[]>();
    groups.set(group, g);
    const key = `${r.plugin}/${r.metric}/${r.index}`;
    g.set(key, [...(g.get(key) ?? []), r.value]);
    seeds.set(group, (seeds.get(group) ?? new Set()).add(r.seed));
  }
  const out: string[] = [];
  for (const [group, g] of groups) {
    const kd = group.startsWith(`${KD} `);
    const cell = (c: Column, index: number) =>
      kd && !c.kd ? "" : meanCell(g.get(`${kd ? KD : c.plugin}/${c.metric}/${index}`) ?? []);
    const indices = [...new Set([...g.keys()].map((k) => Number(k.split("/")[2])))].sort((a, b) =>
      a - b
    );
    const cols = COLUMNS.filter((c) => indices.some((i) => cell(c, i) !== ""));
    if (!cols.length) continue;
    const rows = indices
      .map((i) => [i === 0 ? "f" : String(i), ...cols.map((c) => cell(c, i))])
      .filter((r) => r.slice(1).some((v) => v !== ""));
    const n = seeds.get(group)!.size;
    out.push(
      `feature ${kd ? group.slice(KD.length + 1) + ` (${KD})` : group} ` +
        `(${n} seed${n === 1 ? "" : "s"})\n` +
        textTable([["order", ...cols.map((c) => c.head)]], rows),
    );
  }
  return out.join("\n\n");
}
