/**
 * Bias and spread of each estimator of `lens mi` against the number of
 * samples N, on data whose mutual information is known (tools/known_mi.ts).
 * Writes the table (markdown) and the plot (SVG, drawn here by hand) that
 * docs/estimators.md shows:
 *
 *   deno run -A tools/estimator_study.ts [--seeds 10] [--out docs]
 *
 * Cases:
 * - `gauss`: 2 correlated Gaussian pairs, rho = 0.6 (I = 0.644 bits):
 *   KSG, KSG on ranks, binned (8 edges per variable: 7 bins per coordinate).
 * - `clusters`: 2 equiprobable classes, X | c ~ N(+-1, 1) in 1-D
 *   (I = 0.486 bits): Ross, binned (30 edges on X).
 * - `noisy clusters`: the same X with noise of variance s2 = 0.1 added, so
 *   the target is I(Y; X + Z), X + Z | c ~ N(+-1, 1.1) (I = 0.455 bits):
 *   the noisy-network Monte Carlo estimate (M = N draws) and the two KDE
 *   values, which treat the N rows as the atoms of the mixture.
 *
 * For every estimator and N: the mean over seeds minus the exact value
 * (bias) and the standard deviation over seeds (spread), in bits.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type MiOptions, mutualInformation } from "../plugins/infoplane/mi_arrays.ts";
import { classClusters, clusterMiBits, correlatedGaussians, gaussianMiBits } from "./known_mi.ts";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "10" },
    out: { type: "string", default: "docs" },
    sizes: { type: "string", default: "250,500,1000,2000,4000" },
  },
});
const SEEDS = Number(values.seeds);
const SIZES = values.sizes!.split(",").map(Number);
const S2 = 0.1;

interface Series {
  name: string;
  target: string;
  /** Plot panel (default: the target). */
  panel?: string;
  exact: number;
  estimate: (n: number, seed: number) => number;
}

const table = (data: Float64Array, rows: number, cols: number) => ({ data, rows, cols });

const GAUSS = gaussianMiBits(2, 0.6);
const CLUSTERS = clusterMiBits([0.5, 0.5], [-1, 1], 1);
const NOISY_CLUSTERS = clusterMiBits([0.5, 0.5], [-1, 1], Math.sqrt(1 + S2));

/** A series on the Gaussian pairs. */
function onGauss(name: string, options: MiOptions, panel?: string): Series {
  return {
    name,
    target: "gauss",
    panel,
    exact: GAUSS,
    estimate: (n, seed) => {
      const p = correlatedGaussians(n, 2, 0.6, seed);
      return mutualInformation(table(p.x, n, 2), table(p.y, n, 2), options).bits;
    },
  };
}

/** A series on the class clusters (their noisy version for kde and noisy); `field` is the number reported. */
function onClusters(name: string, options: MiOptions, field = "bits"): Series {
  const noisy = options.estimator === "kde" || options.estimator === "noisy";
  return {
    name,
    target: noisy ? "noisy clusters" : "clusters",
    exact: noisy ? NOISY_CLUSTERS : CLUSTERS,
    estimate: (n, seed) => {
      const c = classClusters(n, 1, [0.5, 0.5], [-1, 1], 1, seed);
      const r = mutualInformation(table(c.x, n, 1), { labels: c.labels }, { ...options, seed });
      return r[field] as number;
    },
  };
}

const SERIES: Series[] = [
  onGauss("KSG (k = 3)", { estimator: "ksg" }),
  onGauss("KSG on ranks", { estimator: "ksg", ranks: true }),
  onGauss(
    "binned, 8 edges (gauss)",
    { estimator: "binned", bins: 8 },
    "gauss, binned (other scale)",
  ),
  onClusters("Ross (k = 3)", { estimator: "ksg" }),
  onClusters("binned, 30 edges (clusters)", { estimator: "binned" }),
  onClusters("noisy, Monte Carlo (M = N)", { estimator: "noisy", noiseVariance: S2 }),
  onClusters("KDE upper", { estimator: "kde", noiseVariance: S2 }, "upper"),
  onClusters("KDE lower", { estimator: "kde", noiseVariance: S2 }, "lower"),
];

interface Row {
  series: Series;
  n: number;
  bias: number;
  sd: number;
  ms: number;
}

const rows: Row[] = [];
for (const series of SERIES) {
  for (const n of SIZES) {
    const est: number[] = [];
    const t0 = performance.now();
    for (let s = 0; s < SEEDS; s++) est.push(series.estimate(n, s));
    const ms = (performance.now() - t0) / SEEDS;
    const mean = est.reduce((a, b) => a + b, 0) / SEEDS;
    const sd = Math.sqrt(est.reduce((a, b) => a + (b - mean) ** 2, 0) / (SEEDS - 1));
    rows.push({ series, n, bias: mean - series.exact, sd, ms });
    console.error(
      `${series.name} N=${n}: bias ${(mean - series.exact).toFixed(4)} sd ${sd.toFixed(4)}`,
    );
  }
}

// ---- the table
const fmt = (v: number) => (v >= 0 ? " " : "") + v.toFixed(3);
const lines = [
  `Bias (mean - exact) and spread (sd over ${SEEDS} seeds), bits; wall time per estimate (one thread; inflated when the machine is shared).`,
  "",
  `| estimator | case (exact bits) | ${SIZES.map((n) => `N = ${n}`).join(" | ")} | wall ms at N = ${
    SIZES[SIZES.length - 1]
  } |`,
  `| --- | --- | ${SIZES.map(() => "---").join(" | ")} | --- |`,
];
for (const series of SERIES) {
  const mine = rows.filter((r) => r.series === series);
  lines.push(
    `| ${series.name} | ${series.target} (${series.exact.toFixed(3)}) | ${
      mine.map((r) => `${fmt(r.bias)} +- ${r.sd.toFixed(3)}`).join(" | ")
    } | ${mine[mine.length - 1].ms.toFixed(0)} |`,
  );
}
await Deno.mkdir(values.out!, { recursive: true });
const tableFile = `${values.out}/estimator_study.md`;
await Deno.writeTextFile(tableFile, lines.join("\n") + "\n");

// ---- the plot: bias with a +-1 sd band against log N, one panel per case
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];
const panelOf = (s: Series) => s.panel ?? s.target;
const cases = [...new Set(SERIES.map(panelOf))];
const W = 330, H = 300, M = { l: 56, r: 12, t: 28, b: 40 };
const svg: string[] = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W * cases.length}" height="${H + 70}" ` +
  `font-family="sans-serif" font-size="11">`,
  `<rect width="100%" height="100%" fill="white"/>`,
];
const lx = (n: number) =>
  M.l + (Math.log(n / SIZES[0]) / Math.log(SIZES[SIZES.length - 1] / SIZES[0])) *
    (W - M.l - M.r);
let legendY = H + 10;
cases.forEach((target, ci) => {
  const ox = ci * W;
  const mine = rows.filter((r) => panelOf(r.series) === target);
  const lo = Math.min(0, ...mine.map((r) => r.bias - r.sd));
  const hi = Math.max(0, ...mine.map((r) => r.bias + r.sd));
  const pad = 0.05 * (hi - lo || 1);
  const y = (v: number) =>
    Math.round(10 * (M.t + ((hi + pad - v) / (hi - lo + 2 * pad)) * (H - M.t - M.b))) / 10;
  svg.push(
    `<text x="${ox + W / 2}" y="16" text-anchor="middle" font-weight="bold">${target}</text>`,
  );
  svg.push(
    `<line x1="${ox + M.l}" x2="${ox + W - M.r}" y1="${y(0)}" y2="${y(0)}" stroke="#888"/>`,
  );
  for (const n of SIZES) {
    svg.push(
      `<text x="${ox + lx(n)}" y="${H - M.b + 16}" text-anchor="middle">${n}</text>`,
    );
  }
  svg.push(`<text x="${ox + W / 2}" y="${H - 8}" text-anchor="middle">N (log scale)</text>`);
  const ticks = 5;
  for (let t = 0; t <= ticks; t++) {
    const v = lo + (t / ticks) * (hi - lo);
    svg.push(
      `<text x="${ox + M.l - 4}" y="${y(v) + 4}" text-anchor="end">${
        (v + 0).toFixed(3).replace(/^-0\.000$/, "0.000")
      }</text>`,
      `<line x1="${ox + M.l}" x2="${ox + M.l - 3}" y1="${y(v)}" y2="${y(v)}" stroke="#000"/>`,
    );
  }
  svg.push(
    `<text transform="translate(${ox + 12},${H / 2}) rotate(-90)" text-anchor="middle">` +
      `bias (bits), band = +-1 sd</text>`,
    `<line x1="${ox + M.l}" x2="${ox + M.l}" y1="${M.t}" y2="${H - M.b}" stroke="#000"/>`,
  );
  for (const series of SERIES.filter((s) => panelOf(s) === target)) {
    const color = COLORS[SERIES.indexOf(series) % COLORS.length];
    const pts = rows.filter((r) => r.series === series);
    const band = [
      ...pts.map((r) => `${ox + lx(r.n)},${y(r.bias + r.sd)}`),
      ...pts.slice().reverse().map((r) => `${ox + lx(r.n)},${y(r.bias - r.sd)}`),
    ].join(" ");
    svg.push(`<polygon points="${band}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
    svg.push(
      `<polyline points="${
        pts.map((r) => `${ox + lx(r.n)},${y(r.bias)}`).join(" ")
      }" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
    svg.push(
      `<rect x="${ox + M.l}" y="${legendY - 8}" width="12" height="3" fill="${color}"/>`,
      `<text x="${ox + M.l + 18}" y="${legendY - 4}">${series.name} (exact ${
        series.exact.toFixed(3)
      })</text>`,
    );
    legendY += 16;
  }
  legendY = H + 10;
});
svg.push("</svg>");
const svgFile = `${values.out}/estimator_study.svg`;
await Deno.writeTextFile(
  svgFile,
  svg.join("\n").replace(/\d+\.\d{2,}/g, (v) => (+v).toFixed(1)) + "\n",
);
// the repository's formatter lays out both files, so regenerated ones pass `deno fmt --check`
await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", tableFile, svgFile] }).output();
console.log(lines.join("\n"));
