/**
 * Time to trace the IB curve of the 12-bit task (X = 4096) over the
 * reference beta grid (86 betas, 0.8 to 300), by either annealing method
 * of `ibCurve`: `merge` (the default, as in `ibCurve`: down from the
 * identity encoder over input groups, up to 4096 clusters at the start)
 * or `split` (up from one cluster, splitting at critical betas, then back
 * down).
 *
 *   deno run -A bench/ib_curve.ts [--method merge|split|split-plain|both|A,B] [--soften 0.1]
 *     [--stress] [--stress-bits 12] [--max-iter 3000]
 *
 * `split-plain` is `split` with `newton: false`: the accelerated plain
 * iteration from the last solution, the split method before Newton steps
 * (kept for comparisons); `both` is `split,merge`.
 *
 * Scenarios, one JSON line each:
 * - `labels`: the shipped hard labels (p(y|x) one-hot);
 * - `labels+soften`: the same with label noise `--soften` (default 0.1);
 * - `stress` (with --stress): p(y=1|x) = sigmoid(5 (f(x) - theta) / sd(f))
 *   for a fixed random linear f of the bits (12 bits, or `--stress-bits`:
 *   8 gives 256 inputs, 10 gives 1024), the form of the paper's soft
 *   labels, so all rows of p(y|x) differ and no input pooling applies.
 *   With `merge` about half the time is the first beta (1052 updates from
 *   4096 clusters collapsing to 316); with `split` the cluster count stays
 *   at 1 to 26, and the time goes to the betas next to transitions.
 *
 * With two or more methods, each scenario also prints, for each method
 * after the first against the first, `maxAbsDiff`: the largest |I(X;T)|
 * and |I(T;Y)| differences over betas where both converged, and
 * `lagrangianGap`: the most the first method's I(X;T) - beta I(T;Y)
 * exceeds the other's at such a beta (bits; negative when the first is
 * lower everywhere), `lowerAt`: at how many betas the first's Lagrangian
 * is lower by more than 1e-9 bits (another, better branch), and
 * `sameBranchDiff`: `maxAbsDiff` over the other betas.
 *
 * `cpuSeconds` is the process's CPU time (user + system) for the scenario:
 * steadier than `seconds` when the cores are shared.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { tishby12Arrays } from "../core/data/tishby12.ts";
import { createRng } from "../core/rng.ts";
import { type IbCurve, ibCurve } from "../plugins/ib/curve.ts";
import { type IbJoint, jointFromLabels } from "../plugins/ib/joint.ts";

const { values } = parseArgs({
  options: {
    soften: { type: "string", default: "0.1" },
    stress: { type: "boolean", default: false },
    "stress-bits": { type: "string", default: "12" },
    "max-iter": { type: "string", default: "3000" },
    method: { type: "string", default: "merge" },
  },
});
const maxIter = Number(values["max-iter"]);
type Method = "split" | "split-plain" | "merge";
const methods = (values.method === "both" ? "split,merge" : values.method).split(",");
for (const m of methods) {
  if (m !== "split" && m !== "merge" && m !== "split-plain") {
    console.error(`--method ${m}: expected split, split-plain, merge, both or a comma list`);
    Deno.exit(2);
  }
}
const bits = Number(values["stress-bits"]);
if (!(Number.isInteger(bits) && bits >= 2 && bits <= 16)) {
  console.error(`--stress-bits ${values["stress-bits"]}: expected an integer from 2 to 16`);
  Deno.exit(2);
}

function run(name: string, joint: IbJoint) {
  const curves = methods.map((m) => time(name, joint, m as Method));
  for (let i = 1; i < curves.length; i++) compare(name, methods[i], curves[0], curves[i]);
}

function compare(name: string, against: string, a: IbCurve, b: IbCurve) {
  let maxAbsDiff = 0;
  let sameBranchDiff = 0;
  let lagrangianGap = -Infinity;
  let compared = 0;
  let lowerAt = 0;
  for (let i = 0; i < a.points.length; i++) {
    const p = a.points[i];
    const q = b.points[i];
    if (!p.converged || !q.converged) continue;
    compared++;
    const d = Math.max(Math.abs(p.ixt - q.ixt), Math.abs(p.ity - q.ity));
    const gap = p.ixt - p.beta * p.ity - (q.ixt - q.beta * q.ity);
    maxAbsDiff = Math.max(maxAbsDiff, d);
    lagrangianGap = Math.max(lagrangianGap, gap);
    if (gap < -1e-9) lowerAt++;
    else sameBranchDiff = Math.max(sameBranchDiff, d);
  }
  console.log(JSON.stringify({
    scenario: name,
    against,
    compared,
    maxAbsDiff,
    lagrangianGap,
    lowerAt,
    sameBranchDiff,
  }));
}

function time(name: string, joint: IbJoint, method: Method) {
  const t0 = performance.now();
  const u0 = process.cpuUsage();
  const c = method === "split-plain"
    ? ibCurve(joint, { maxIter, method: "split", newton: false })
    : ibCurve(joint, { maxIter, method });
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
  const n = 2 ** bits;
  const rng = createRng(1, "ib-bench");
  const w = Array.from({ length: bits }, () => rng.normal());
  const f = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    for (let i = 0; i < bits; i++) if ((x >> (bits - 1 - i)) & 1) f[x] += w[i];
  }
  const theta = [...f].sort((a, b) => a - b)[n / 2];
  const mean = f.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(f.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  const pyx = new Float64Array(2 * n);
  for (let x = 0; x < n; x++) {
    const p = 1 / (1 + Math.exp((-5 * (f[x] - theta)) / sd));
    pyx[2 * x] = 1 - p;
    pyx[2 * x + 1] = p;
  }
  run(bits === 12 ? "stress" : `stress${n}`, {
    px: new Float64Array(n).fill(1 / n),
    pyx,
    nx: n,
    ny: 2,
  });
}
