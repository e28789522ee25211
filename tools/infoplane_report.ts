/**
 * Markdown tables of one stored run, the numbers docs/information_plane.md
 * quotes: per layer the seed-mean I(X;T) / I(T;Y) at the first sampled
 * epoch, at the peak of I(X;T) and at the last epoch, for every MI plugin
 * present (mi-binned `ixt`/`ity`, mi-kde `ixt_upper`/`ity_upper`); the
 * ib-consistency `beta_star`, `gap` and `kl_star` at those epochs; the
 * phases plugin's SNR transition and I(X;T) peak epochs per seed; and a few
 * points of the ib-bound curve.
 *
 *   deno run -A tools/infoplane_report.ts --db runs.db <run> [<run> ...]
 *
 * `<run>` is a run id, a unique prefix, or `latest`.
 *
 * @module
 */
import { phasesCells, phasesRows } from "../plugins/ib/phases_table.ts";
import { compressionTiming } from "./compression_timing.ts";
import { parseArgs } from "node:util";
import { openStore } from "../core/store.ts";
import type { ResultRecord } from "../core/types.ts";
import { findRun } from "../cli/find_run.ts";

/** Seed mean and standard error (sd / sqrt(n), 0 for one seed) of one metric. */
interface MeanSe {
  mean: number;
  se: number;
  n: number;
}

/** Per layer, per epoch (ascending), the seed mean and standard error of one metric. */
function stats(
  records: readonly ResultRecord[],
  plugin: string,
  metric: string,
): Map<string, Map<number, MeanSe>> {
  const acc = new Map<string, Map<number, number[]>>();
  for (const r of records) {
    if (r.plugin !== plugin || r.metric !== metric || r.seed < 0) continue;
    if (!Number.isFinite(r.value)) continue;
    let l = acc.get(r.layer);
    if (!l) acc.set(r.layer, l = new Map());
    let e = l.get(r.epoch);
    if (!e) l.set(r.epoch, e = []);
    e.push(r.value);
  }
  const out = new Map<string, Map<number, MeanSe>>();
  for (const [layer, byEpoch] of acc) {
    const m = new Map<number, MeanSe>();
    for (const [epoch, v] of [...byEpoch].sort((a, b) => a[0] - b[0])) {
      const n = v.length;
      const mean = v.reduce((a, b) => a + b, 0) / n;
      const ss = v.reduce((a, b) => a + (b - mean) ** 2, 0);
      m.set(epoch, { mean, se: n > 1 ? Math.sqrt(ss / (n - 1) / n) : 0, n });
    }
    out.set(layer, m);
  }
  return out;
}

/** Seed-mean series per layer of one metric: layer -> epoch -> mean. */
function means(
  records: readonly ResultRecord[],
  plugin: string,
  metric: string,
): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const [layer, byEpoch] of stats(records, plugin, metric)) {
    out.set(layer, new Map([...byEpoch].map(([e, s]) => [e, s.mean])));
  }
  return out;
}

const f = (v: number | undefined, d = 3) =>
  v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(d);

/** "mean ± se" with `d` decimals. */
const pm = (v: MeanSe | undefined, d = 3) =>
  v === undefined ? "-" : `${f(v.mean, d)} ± ${f(v.se, d)}`;

/**
 * First / peak-of-x / last table of a pair of metrics (seed mean ± standard error over seeds,
 * the peak at the largest seed mean); the epochs it used per layer.
 */
function planeTable(
  records: readonly ResultRecord[],
  plugin: string,
  xm: string,
  ym: string,
): { text: string; epochs: Map<string, [number, number, number]> } {
  const xs = stats(records, plugin, xm);
  const ys = stats(records, plugin, ym);
  const lines = [
    `| layer | first ep | ${xm} | ${ym} | peak ep | ${xm} | ${ym} | last ep | ${xm} | ${ym} |`,
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const epochs = new Map<string, [number, number, number]>();
  for (const [layer, x] of xs) {
    const y = ys.get(layer) ?? new Map<number, MeanSe>();
    const es = [...x.keys()];
    let peak = es[0];
    for (const e of es) if (x.get(e)!.mean > x.get(peak)!.mean) peak = e;
    const first = es[0], last = es[es.length - 1];
    epochs.set(layer, [first, peak, last]);
    lines.push(
      `| ${layer} | ${first} | ${pm(x.get(first))} | ${pm(y.get(first))} | ${peak} | ${
        pm(x.get(peak))
      } | ${pm(y.get(peak))} | ${last} | ${pm(x.get(last))} | ${pm(y.get(last))} |`,
    );
  }
  return { text: lines.join("\n"), epochs };
}

/** Per layer: how much of the compression comes before I(T;Y) reaches 95% of its end value. */
function timingTable(records: readonly ResultRecord[]): string {
  const xs = means(records, "mi-binned", "ixt");
  const ys = means(records, "mi-binned", "ity");
  const lines = [
    "| layer | peak ep | I(X;T) peak | I(T;Y) at peak | last I(X;T) | last I(T;Y) | " +
    "I(T;Y) >= 0.95 last from ep | I(X;T) there | share of compression before |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const [layer, x] of xs) {
    const y = ys.get(layer);
    if (!y) continue;
    const es = [...x.keys()].filter((e) => y.has(e));
    if (!es.length) continue;
    const t = compressionTiming(es, es.map((e) => x.get(e)!), es.map((e) => y.get(e)!));
    const share = t.shareBeforeReach === undefined
      ? "- (no compression)"
      : `${(100 * t.shareBeforeReach).toFixed(0)}%`;
    lines.push(
      `| ${layer} | ${t.peakEpoch} | ${f(t.ixtPeak)} | ${f(t.ityPeak)} | ${f(t.ixtLast)} | ${
        f(t.ityLast)
      } | ${t.reachEpoch} | ${f(t.ixtAtReach)} | ${share} |`,
    );
  }
  return lines.join("\n");
}

const { values, positionals } = parseArgs({
  options: { db: { type: "string", default: "layerlens.db" } },
  allowPositionals: true,
});
const store = openStore(values.db!);
try {
  for (const ref of positionals) {
    const run = findRun(store, ref);
    const records = store.queryResults(run.id);
    const plugins = new Set(records.map((r) => r.plugin));
    const contiguous = run.seeds.every((v, i) => v === run.seeds[0] + i);
    const seeds = contiguous && run.seeds.length > 3
      ? `${run.seeds[0]}..${run.seeds[run.seeds.length - 1]} (${run.seeds.length})`
      : run.seeds.join(",");
    console.log(`## run ${run.id} (${run.name}), seeds ${seeds}`);
    console.log(`timings: ${JSON.stringify(run.timings)}\n`);
    let peaks = new Map<string, [number, number, number]>();
    if (plugins.has("mi-binned")) {
      const t = planeTable(records, "mi-binned", "ixt", "ity");
      peaks = t.epochs;
      console.log("mi-binned (bits, seed mean ± standard error)\n\n" + t.text + "\n");
      console.log(
        "compression against I(T;Y) (mi-binned, seed means)\n\n" + timingTable(records) + "\n",
      );
    }
    // loss and the last hidden layer over time
    const rows = store.epochsSince(run.id, 0).filter((r) => r.testLoss !== null);
    if (plugins.has("mi-binned") && rows.length) {
      const layers = [...means(records, "mi-binned", "ixt").keys()].filter((l) => l !== "output");
      const layer = layers[layers.length - 1];
      const ix = means(records, "mi-binned", "ixt").get(layer)!;
      const iy = means(records, "mi-binned", "ity").get(layer)!;
      const sampled = [...ix.keys()];
      const want = [0, 10, 30, 100, 300, 1000, 2000, 4000, 6000, sampled[sampled.length - 1]];
      const pick = [
        ...new Set(
          want.map((w) =>
            sampled.reduce((b, e) => Math.abs(e - w) < Math.abs(b - w) ? e : b, sampled[0])
          ),
        ),
      ];
      const avg = (e: number, k: "loss" | "testLoss" | "testAccuracy") => {
        const v = rows.filter((r) => r.epoch === e).map((r) => r[k] as number);
        return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
      };
      const lines = [
        `trajectory of ${layer} (seed means)\n`,
        "| epoch | train loss | test loss | test acc | I(X;T) | I(T;Y) |",
        "|---|---|---|---|---|---|",
      ];
      for (const e of pick) {
        lines.push(
          `| ${e} | ${f(avg(e, "loss"), 4)} | ${f(avg(e, "testLoss"), 4)} | ${
            f(avg(e, "testAccuracy"))
          } | ${f(ix.get(e))} | ${f(iy.get(e))} |`,
        );
      }
      console.log(lines.join("\n") + "\n");
    }
    // epochs to train-loss thresholds per seed (first stored epoch below each)
    const all = store.epochsSince(run.id, 0);
    if (all.length) {
      const thresholds = [0.2, 0.1, 0.05, 0.01];
      const lines = [
        "first stored epoch with train loss below each threshold, per seed (- : not reached)\n",
        `| seeds | ${thresholds.map((t) => `loss < ${t}`).join(" | ")} |`,
        `|---|${thresholds.map(() => "---").join("|")}|`,
      ];
      const cells = thresholds.map((t) => {
        const per = run.seeds.map((seed) =>
          all.filter((r) => r.seed === seed && r.loss < t).reduce(
            (m, r) => Math.min(m, r.epoch),
            Infinity,
          )
        );
        const hit = per.filter((e) => Number.isFinite(e));
        const mean = hit.length ? hit.reduce((a, b) => a + b, 0) / hit.length : NaN;
        return `${per.map((e) => Number.isFinite(e) ? String(e) : "-").join(", ")} (${f(mean, 0)})`;
      });
      lines.push(`| ${run.seeds.join(", ")} | ${cells.join(" | ")} |`);
      console.log(lines.join("\n") + "\n");
    }
    if (plugins.has("mi-kde")) {
      console.log(
        "mi-kde upper bounds (bits, seed mean ± standard error)\n\n" +
          planeTable(records, "mi-kde", "ixt_upper", "ity_upper").text + "\n",
      );
    }
    if (plugins.has("ib-consistency")) {
      const b = means(records, "ib-consistency", "beta_star");
      const g = means(records, "ib-consistency", "gap");
      const k = means(records, "ib-consistency", "kl_star");
      const lines = [
        "ib-consistency at mi-binned's first / peak / last epochs (seed mean)\n",
        "| layer | beta* first | beta* peak | beta* last | gap first | gap peak | gap last | KL* last |",
        "|---|---|---|---|---|---|---|---|",
      ];
      for (const [layer, bl] of b) {
        const [e0, ep, el] = peaks.get(layer) ?? [0, 0, Math.max(...bl.keys())];
        const gl = g.get(layer)!, kl = k.get(layer)!;
        lines.push(
          `| ${layer} | ${f(bl.get(e0), 2)} | ${f(bl.get(ep), 2)} | ${f(bl.get(el), 2)} | ${
            f(gl.get(e0))
          } | ${f(gl.get(ep))} | ${f(gl.get(el))} | ${f(kl.get(el))} |`,
        );
      }
      console.log(lines.join("\n") + "\n");
    }
    if (plugins.has("ib-bound")) {
      const pts = records.filter((r) => r.plugin === "ib-bound");
      const at = (m: string) =>
        new Map(pts.filter((r) => r.metric === m).map((r) => [r.index, r.value]));
      const bx = at("ib_ixt"), by = at("ib_ity"), bb = at("beta");
      const n = bb.size;
      const pick = [0, Math.floor(n / 4), Math.floor(n / 2), Math.floor((3 * n) / 4), n - 1];
      console.log(
        `ib-bound: ${n} points; (beta, I(X;T), I(T;Y)): ` +
          pick.map((i) => `(${f(bb.get(i), 2)}, ${f(bx.get(i))}, ${f(by.get(i))})`).join(" ") +
          "\n",
      );
    }
    if (plugins.has("grad-snr")) {
      const lines = [
        "grad-snr: seed-mean SNR per layer (first sampled epoch, largest, last)\n",
        "| layer | first ep | SNR | max ep | max SNR | last ep | SNR |",
        "|---|---|---|---|---|---|---|",
      ];
      for (const [layer, m] of means(records, "grad-snr", "snr")) {
        const es = [...m.keys()];
        let top = es[0];
        for (const e of es) if (m.get(e)! > m.get(top)!) top = e;
        const first = es[0], last = es[es.length - 1];
        lines.push(
          `| ${layer} | ${first} | ${f(m.get(first))} | ${top} | ${f(m.get(top))} | ${last} | ${
            f(m.get(last))
          } |`,
        );
      }
      console.log(lines.join("\n") + "\n");
    }
    if (plugins.has("phases")) {
      const lines = [
        "phases per layer: SNR transition epoch / I(X;T) peak epoch, per seed\n",
        "| layer | SNR transition (seeds) | I(X;T) peak (seeds) | median peak - transition |",
        "|---|---|---|---|",
      ];
      // the cells lens show prints (cli/phases_table.ts), as markdown
      for (const r of phasesRows(records)) lines.push(`| ${phasesCells(r).join(" | ")} |`);
      console.log(lines.join("\n") + "\n");
    }
  }
} finally {
  store.close();
}
