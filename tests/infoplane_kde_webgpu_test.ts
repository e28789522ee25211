/**
 * plugins/infoplane/kde_webgpu.ts: the WGSL KDE kernel against the
 * float64 kernel of kde_mi.ts (an independent implementation: triangle of
 * pairs, blocked, its own exp) on
 * - a 12-10 tanh layer over all 4096 inputs of the 12-bit task, its
 *   labels (2 classes), noise variances 0.1 (the default) and 1e-3;
 * - 1000 rows of 100 units in 10 classes, one of them empty (tiles of
 *   40 rows, a partial last tile, class changes inside tiles);
 * - two far-apart clusters, where the upper I(X;T) is exactly 1 bit;
 * and through the mi-kde plugin's `device: webgpu` option.
 *
 * Tolerance 1e-6 relative: the GPU sums in float32 with Kahan
 * compensation; the distance of each pair carries about d/2 float32 ulps,
 * which moves a term exp(-D a) by (D a) times that: about 1e-7 relative
 * on the bits (measured values are printed).
 *
 * Without an adapter the tests fail when CI is set and are skipped
 * otherwise.
 */
import assert from "node:assert/strict";
import { hasWebGpuAdapter } from "../core/backend.ts";
import { loadTishby12 } from "../core/data/tishby12.ts";
import { createRng } from "../core/rng.ts";
import type { PluginContext, ResultInput } from "../core/types.ts";
import { type KdeMi, kdeMi } from "../plugins/infoplane/kde_mi.ts";
import { kdeMiWebGpu } from "../plugins/infoplane/kde_webgpu.ts";
import { miKdePlugin } from "../plugins/infoplane/mi_kde_plugin.ts";

const HAVE = await hasWebGpuAdapter();
const CI = Boolean(Deno.env.get("CI"));
const ignore = !HAVE && !CI;
if (ignore) console.log("infoplane_kde_webgpu_test: skipped, no WebGPU adapter (lavapipe)");
const TOL = 1e-6;

function maxRel(a: KdeMi, b: KdeMi): number {
  let m = 0;
  for (const k of Object.keys(a) as (keyof KdeMi)[]) {
    m = Math.max(m, Math.abs(a[k] - b[k]) / Math.max(Math.abs(a[k]), 1e-300));
  }
  return m;
}

/** A 12-10 tanh layer (weights N(0, 1.5^2)) over the 4096 12-bit inputs. */
function tishbyLayer(): { data: Float32Array; labels: Int32Array } {
  const ds = loadTishby12({ name: "tishby12", split: "reference", trainFraction: 0.8 }, 0);
  const rng = createRng(7);
  const w = Array.from({ length: 120 }, () => 1.5 * rng.normal());
  const n = ds.probe.n;
  const data = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < 10; o++) {
      let z = 0;
      for (let k = 0; k < 12; k++) z += ds.probe.x[i * 12 + k] * w[k * 10 + o];
      data[i * 10 + o] = Math.tanh(z);
    }
  }
  return { data, labels: ds.probe.y };
}

async function check(
  name: string,
  data: Float32Array,
  rows: number,
  cols: number,
  labels: Int32Array,
  classes: number,
  s2: number,
): Promise<void> {
  const want = kdeMi(data, rows, cols, labels, classes, s2, 64);
  const got = await kdeMiWebGpu(data, rows, cols, labels, classes, s2);
  const rel = maxRel(want, got);
  console.log(`${name}, s2 ${s2}: max relative difference ${rel.toExponential(2)}`);
  assert.ok(rel < TOL, `${name}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
}

Deno.test({
  name: "WGSL KDE kernel = float64 kernel: 12-bit tanh layer, N = 4096",
  ignore,
  async fn() {
    if (!HAVE) assert.fail("CI is set but there is no WebGPU adapter");
    const { data, labels } = tishbyLayer();
    for (const s2 of [0.1, 1e-3]) await check("12-bit layer", data, 4096, 10, labels, 2, s2);
  },
});

Deno.test({
  name: "WGSL KDE kernel = float64 kernel: 100 units, 10 classes (one empty), partial tiles",
  ignore,
  async fn() {
    if (!HAVE) assert.fail("CI is set but there is no WebGPU adapter");
    const rng = createRng(3);
    const rows = 1000, cols = 100;
    const labels = Int32Array.from({ length: rows }, () => rng.int(9)); // class 9 empty
    const data = Float32Array.from({ length: rows * cols }, (_, i) => {
      return 0.3 * (rng.next() - 0.5) + 0.05 * labels[Math.floor(i / cols)];
    });
    await check("100 units", data, rows, cols, labels, 10, 0.1);
  },
});

Deno.test({
  name: "WGSL KDE kernel: two far clusters give exactly 1 bit; mi-kde device: webgpu emits it",
  ignore,
  async fn() {
    if (!HAVE) assert.fail("CI is set but there is no WebGPU adapter");
    const data = new Float32Array([0, 0, 0, 0, 9, 9, 9, 9, 9, 9]);
    const labels = new Int32Array([0, 0, 1, 1, 1]);
    const r = await kdeMiWebGpu(data, 5, 2, labels, 2, 0.1);
    // P = 5: two clusters of 2 and 3 identical points: H = -(2/5) log2(2/5) - (3/5) log2(3/5)
    const h = -(0.4 * Math.log2(0.4) + 0.6 * Math.log2(0.6));
    assert.ok(Math.abs(r.ixtUpper - h) < 1e-12, `${r.ixtUpper} vs ${h}`);
    const records: ResultInput[] = [];
    const ctx: PluginContext = {
      runId: "t",
      emit: (rs) => records.push(...rs),
      results: () => [],
      log: () => {},
      artifacts: new Map(),
    };
    const inst = await miKdePlugin.setup(ctx, { device: "webgpu" });
    await inst.activations!({
      seed: 0,
      epoch: 3,
      cache: new Map([["dense_1", { data, rows: 5, cols: 2 }]]),
      labels,
      numClasses: 2,
    });
    const up = records.find((x) => x.metric === "ixt_upper")!;
    assert.ok(Math.abs(up.value - h) < 1e-12);
    // a device the plugin does not know is refused with the option's name
    assert.throws(() => miKdePlugin.setup(ctx, { device: "cuda" }), /device/);
  },
});
