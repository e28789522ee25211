/**
 * The task-complexity check of Ren et al. (docs/methods.md section 7): targets made
 * by random networks with k ReLU layers (plugins/complexity
 * task_complexity.ts), decomposed by the disentanglers; prints rho per
 * order and the first order's share per k: `first` = rho^(1) (a variance
 * ratio), `std1` = sqrt(Var c^(1) / Var f) (the standard-deviation ratio
 * the paper reports: 0.995 for a linear target), `1st-std` =
 * sqrt(Var c^(1)) / sum_l sqrt(Var c^(l)). A linear target (k = 0) should
 * put nearly all of f in the first order, and the share should fall as k
 * grows.
 *
 *   deno run -A examples/task_complexity.ts [--ks 0,1,2,4,8] [--orders 6]
 *     [--width 64] [--epochs 100] [--n 2000] [--in-dim 16] [--target-width 64]
 *     [--dim 8] [--seed 0] [--json]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { initBackend } from "../core/backend.ts";
import { taskComplexity } from "../plugins/complexity/task_complexity.ts";

const { values } = parseArgs({
  options: {
    ks: { type: "string", default: "0,1,2,4,8" },
    orders: { type: "string", default: "6" },
    width: { type: "string", default: "64" },
    epochs: { type: "string", default: "100" },
    batch: { type: "string", default: "128" },
    n: { type: "string", default: "2000" },
    "in-dim": { type: "string", default: "16" },
    "target-width": { type: "string", default: "64" },
    dim: { type: "string", default: "8" },
    seed: { type: "string", default: "0" },
    json: { type: "boolean", default: false },
  },
});
await initBackend("wasm");
const ks = values.ks!.split(",").map(Number);
const orders = Number(values.orders);
const fmt = (v: number) => v.toFixed(3).padStart(6);
if (!values.json) {
  console.log(
    `k  ${Array.from({ length: orders }, (_, l) => `rho${l + 1}`.padStart(6)).join(" ")}` +
      "  resid  first  std1  1st-std  seconds",
  );
}
const t0 = performance.now();
let last = t0;
const rows = await taskComplexity(
  ks,
  {
    inDim: Number(values["in-dim"]),
    width: Number(values["target-width"]),
    dim: Number(values.dim),
    n: Number(values.n),
    seed: Number(values.seed),
  },
  {
    orders,
    width: Number(values.width),
    epochs: Number(values.epochs),
    batchSize: Number(values.batch),
    seed: Number(values.seed),
  },
  (r) => {
    const now = performance.now();
    if (!values.json) {
      console.log(
        `${String(r.k).padEnd(2)} ${r.rho.map(fmt).join(" ")} ${fmt(r.residual)} ` +
          `${fmt(r.firstShare)} ${fmt(r.firstStdRatio)}   ${fmt(r.firstStdShare)}  ` +
          `${((now - last) / 1000).toFixed(1)}`,
      );
    }
    last = now;
  },
);
if (values.json) console.log(JSON.stringify({ rows, total_s: (performance.now() - t0) / 1000 }));
else console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
