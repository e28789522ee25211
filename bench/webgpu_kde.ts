/**
 * The KDE mutual-information bounds of one layer, N = `--rows` (4096)
 * rows of `--cols` (10) tanh units in 2 classes: the float64 wasm/JS
 * kernel (kde_mi.ts, blocked triangle of pairs) against our WGSL kernel
 * (kde_webgpu.ts) on the WebGPU adapter here. The first GPU call compiles
 * the shader and is reported apart; then the median of `--repeat` calls.
 *
 *   deno run -A bench/webgpu_kde.ts [--rows 4096] [--cols 10] [--repeat 3]
 *
 * Prints one JSON line: milliseconds, the adapter, and the largest
 * relative difference of the four bounds.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { webGpuAdapterDescription } from "../core/backend.ts";
import { createRng } from "../core/rng.ts";
import { type KdeMi, kdeMi } from "../plugins/infoplane/kde_mi.ts";
import { kdeMiWebGpu } from "../plugins/infoplane/kde_webgpu.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "4096" },
    cols: { type: "string", default: "10" },
    repeat: { type: "string", default: "3" },
    "noise-variance": { type: "string", default: "0.1" },
  },
});
const P = Number(values.rows), d = Number(values.cols), repeat = Number(values.repeat);
const s2 = Number(values["noise-variance"]);
const rng = createRng(0, "bench-kde-webgpu");
const labels = Int32Array.from({ length: P }, () => rng.int(2));
const data = Float32Array.from(
  { length: P * d },
  (_, i) => Math.tanh(1.5 * rng.normal() + 0.5 * labels[Math.floor(i / d)]),
);

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
async function time(f: () => KdeMi | Promise<KdeMi>): Promise<{ ms: number; r: KdeMi }> {
  const t0 = performance.now();
  const r = await f();
  return { ms: performance.now() - t0, r };
}

const first = await time(() => kdeMiWebGpu(data, P, d, labels, 2, s2));
const gpu: number[] = [], cpu: number[] = [];
let g = first.r, c: KdeMi | undefined;
for (let k = 0; k < repeat; k++) {
  const a = await time(() => kdeMi(data, P, d, labels, 2, s2, 64));
  const b = await time(() => kdeMiWebGpu(data, P, d, labels, 2, s2));
  cpu.push(a.ms);
  gpu.push(b.ms);
  c = a.r;
  g = b.r;
}
let rel = 0;
for (const k of Object.keys(c!) as (keyof KdeMi)[]) {
  rel = Math.max(rel, Math.abs(c![k] - g[k]) / Math.abs(c![k]));
}
console.log(JSON.stringify({
  bench: "webgpu_kde",
  rows: P,
  cols: d,
  adapter: await webGpuAdapterDescription(),
  wasm_ms: +median(cpu).toFixed(1),
  webgpu_ms: +median(gpu).toFixed(1),
  webgpu_first_ms: +first.ms.toFixed(1),
  max_rel_diff: +rel.toExponential(2),
}));
