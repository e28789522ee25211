/**
 * The runs of a sweep as the dashboard groups them: a sweep's runs are
 * named `<sweep>/<variant>` (lens sweep); runs whose configs agree in
 * everything but the name and the seeds form one group (the same variant
 * run again with other seeds), drawn and tabulated as one: its seeds pooled.
 *
 * @example
 * ```ts
 * sweepNames(store.listRuns()); // ["depth", "width"]
 * groupRuns(runsOfSweep(store.listRuns(), "depth")); // [{key, variant: "depth-1", runIds}, ...]
 * ```
 *
 * @module
 */
import type { RunRow } from "../core/types.ts";

/** The sweep a run belongs to (the part of its name before the first "/"), or undefined. */
export function sweepOf(name: string): string | undefined {
  const i = name.indexOf("/");
  return i > 0 && i < name.length - 1 ? name.slice(0, i) : undefined;
}

/** Sweeps with their run counts, by name. */
export function sweepNames(runs: readonly RunRow[]): { name: string; runs: number }[] {
  const counts = new Map<string, number>();
  for (const r of runs) {
    const s = sweepOf(r.name);
    if (s) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => a[0].localeCompare(b[0])).map(([name, n]) => ({
    name,
    runs: n,
  }));
}

/** The runs of sweep `name`, oldest first (the order the sweep ran them). */
export function runsOfSweep(runs: readonly RunRow[], name: string): RunRow[] {
  return runs.filter((r) => sweepOf(r.name) === name).sort((a, b) =>
    a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)
  );
}

/** JSON text of a value with object keys sorted (a canonical form to compare configs by). */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${
      Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) =>
        `${JSON.stringify(k)}:${canonical(o[k])}`
      ).join(",")
    }}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** The key of a run's config without its name and seeds. */
export function groupKey(config: unknown): string {
  const c = { ...(config && typeof config === "object" ? config as Record<string, unknown> : {}) };
  delete c.name;
  delete c.seeds;
  delete c.seed;
  return canonical(c);
}

/** One group: runs whose configs differ only in name and seeds. */
export interface RunGroup {
  key: string;
  /** The variant name(s) of its runs (the part after "/"), distinct, joined by ", ". */
  variant: string;
  runIds: string[];
  /** Seeds of all its runs together. */
  seeds: number;
}

/** Groups `runs` (in order of first appearance) by everything but the seed. */
export function groupRuns(runs: readonly RunRow[]): RunGroup[] {
  const groups = new Map<string, { variants: string[]; runIds: string[]; seeds: number }>();
  for (const r of runs) {
    const key = groupKey(r.config);
    let g = groups.get(key);
    if (!g) groups.set(key, g = { variants: [], runIds: [], seeds: 0 });
    const variant = r.name.slice(r.name.indexOf("/") + 1);
    if (!g.variants.includes(variant)) g.variants.push(variant);
    g.runIds.push(r.id);
    g.seeds += r.seeds?.length ?? 0;
  }
  return [...groups].map(([key, g]) => ({
    key,
    variant: g.variants.join(", "),
    runIds: g.runIds,
    seeds: g.seeds,
  }));
}
