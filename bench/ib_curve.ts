/**
 * Time to trace the IB curve of the 12-bit task (X = 4096) over the
 * reference beta grid (86 betas, 0.8 to 300), by either annealing method
 * of `ibCurve`: `merge` (the default, as in `ibCurve`: down from the
 * identity encoder over input groups, up to 4096 clusters at the start)
 * or `split` (up from one cluster, splitting at critical betas, then back
 * down).
 *
 *   deno run -A bench/ib_curve.ts [--method merge|split|both] [--soften 0.1] [--stress]
 *     [--max-iter 3000]
 *
 * Scenarios, one JSON line each:
 * - `labels`: the shipped hard labels (p(y|x) one-hot);
 * - `labels+soften`: the same with label noise `--soften` (default 0.1);
 * - `stress` (with --stress; slow): p(y=1|x) = sigmoid(5 (f(x) - theta) /
 *   sd(f)) for a fixed random linear f of the bits, the form of the paper's
 *   soft labels, so all 4096 rows of p(y|x) differ and no input pooling
 *   applies. With `merge` about half the time is the first beta (1052
 *   updates from 4096 clusters collapsing to 316); with `split` the
 *   cluster count stays at 1 to 26, and the time goes to the betas next
 *   to transitions, where the iteration converges slowly or stops at the
 *   update cap.
 *
 * With `both`, each scenario also prints `maxAbsDiff`: the largest
 * |I(X;T)| and |I(T;Y)| differences between the methods over betas where
 * both converged, and `lagrangianGap`: the most the split method's
 * I(X;T) - beta I(T;Y) exceeds merge's at such a beta (bits; negative
 * when split is lower everywhere).
 *
 * `cpuSeconds` is the process's CPU time (user + system) for the scenario:
 * steadier than `seconds` when the cores are shared.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { tishby12Arrays } from "../core/data/tishby12.ts";
import { createRng } from "../core/rng.ts";
import { ibCurve } from "../plugins/ib/curve.ts";
import { type IbJoint, jointFromLabels } from "../plugins/ib/joint.ts";

const { values } = parseArgs({
  options: {
    soften: { type: "string", default: "0.1" },
    stress: { type: "boolean", default: false },
    "max-iter": { type: "string", default: "3000" },
    method: { type: "string", default: "merge" },
  },
});
const maxIter = Number(values["max-iter"]);
const methods = values.method === "both" ? ["split", "merge"] as const : [values.method];
for (const m of methods) {
  if (m !== "split" && m !== "merge") {
    console.error(`--method ${m}: expected split, merge or both`);
    Deno.exit(2);
  }
}

function run(name: string, joint: IbJoint) {
  const curves = methods.map((m) => time(name, joint, m as "split" | "merge"));
  if (curves.length !== 2) return;
  const [a, b] = curves;
  let maxAbsDiff = 0;
  let lagrangianGap = -Infinity;
  let compared = 0;
  for (let i = 0; i < a.points.length; i++) {
    const p = a.points[i];
    const q = b.points[i];
    if (!p.converged || !q.converged) continue;
    compared++;
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(p.ixt - q.ixt), Math.abs(p.ity - q.ity));
    lagrangianGap = Math.max(lagrangianGap, p.ixt - p.beta * p.ity - (q.ixt - q.beta * q.ity));
  }
  console.log(JSON.stringify({ scenario: name, compared, maxAbsDiff, lagrangianGap }));
}

function time(name: string, joint: IbJoint, method: "split" | "merge") {
  const t0 = performance.now();
  const u0 = process.cpuUsage();
  const c = ibCurve(joint, { maxIter, method });
  const seconds = (performance.now() - t0) / 1000;
  const u1 = process.cpuUsage(u0);
  const cpuSeconds = (u1.user + u1.system) / 1e6;
  const pts = c.points;
  const first = pts[0];
  const last = pts[pts.length - 1];
  const r = (v: number) => Math.round(v * 1e6) / 1e6;
  console.log(JSON.stringify({
    scenario: name,
    method,
    seconds: r(seconds),
    cpuSeconds: r(cpuSeconds),
    betas: pts.length,
    groups: c.groups,
    ixy: r(c.ixy),
    first: { beta: r(first.beta), ixt: r(first.ixt), ity: r(first.ity), iter: first.iterations },
    last: { beta: r(last.beta), ixt: r(last.ixt), ity: r(last.ity), iter: last.iterations },
    iterationsTotal: pts.reduce((s, p) => s + p.iterations, 0),
    iterationsMax: Math.max(...pts.map((p) => p.iterations)),
    capped: pts.filter((p) => !p.converged).length,
    maxIter,
  }));
  return c;
}

const { y } = tishby12Arrays();
run("labels", jointFromLabels(y, 2, 0));
run("labels+soften", jointFromLabels(y, 2, Number(values.soften)));

if (values.stress) {
  const rng = createRng(1, "ib-bench");
  const w = Array.from({ length: 12 }, () => rng.normal());
  const f = new Float64Array(4096);
  for (let x = 0; x < 4096; x++) {
    for (let i = 0; i < 12; i++) if ((x >> (11 - i)) & 1) f[x] += w[i];
  }
  const theta = [...f].sort((a, b) => a - b)[2048];
  const mean = f.reduce((s, v) => s + v, 0) / 4096;
  const sd = Math.sqrt(f.reduce((s, v) => s + (v - mean) ** 2, 0) / 4096);
  const pyx = new Float64Array(8192);
  for (let x = 0; x < 4096; x++) {
    const p = 1 / (1 + Math.exp((-5 * (f[x] - theta)) / sd));
    pyx[2 * x] = 1 - p;
    pyx[2 * x + 1] = p;
  }
  run("stress", { px: new Float64Array(4096).fill(1 / 4096), pyx, nx: 4096, ny: 2 });
}
