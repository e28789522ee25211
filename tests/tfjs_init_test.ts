/**
 * Initial weights of the tfjs models: the reference scheme's truncated
 * normal (redrawn beyond 2 sd, so |w| <= 2/sqrt(fan_in) and the sample sd
 * is 0.8796/sqrt(fan_in), the sd of a standard normal truncated to [-2, 2]),
 * Glorot uniform bounds for the tfjs scheme, zero biases, the same numbers
 * as initDense for dense layers (MLP, and the dense part of a CNN), and
 * the variables of a built model holding exactly those numbers.
 */
import assert from "node:assert/strict";
import { initBackend } from "../core/backend.ts";
import { planModel } from "../core/model/architecture.ts";
import { initDense } from "../core/model/init.ts";
import { initialParams } from "../core/model/params.ts";
import { buildTfModel } from "../core/model/tf_model.ts";
import type { ModelSpec } from "../core/types.ts";
import { SMALL_CNN } from "./tfjs_synthetic.ts";

/** sd of a standard normal truncated to [-2, 2]: sqrt(1 - 2*2*phi(2)/(2*Phi(2)-1)). */
const TRUNC_SD = 0.8796;

function stats(w: Float32Array): { mean: number; sd: number; maxAbs: number } {
  let s = 0, s2 = 0, m = 0;
  for (const v of w) {
    s += v;
    s2 += v * v;
    m = Math.max(m, Math.abs(v));
  }
  const mean = s / w.length;
  return { mean, sd: Math.sqrt(s2 / w.length - mean * mean), maxAbs: m };
}

Deno.test("truncated-normal sd constant is right", () => {
  const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
  // Phi(2) - Phi(-2) = 0.9544997361036416 (erf(2 / sqrt 2))
  const mass = 0.9544997361036416;
  assert.ok(Math.abs(Math.sqrt(1 - (4 * phi2) / mass) - TRUNC_SD) < 1e-4);
});

Deno.test("reference init: |w| <= 2/sqrt(fan_in), sd 0.8796/sqrt(fan_in), zero bias", () => {
  const fanIn = 400;
  const spec: ModelSpec = { type: "mlp", hidden: [300], activation: "tanh", init: "reference" };
  const [big, out] = initialParams(planModel(spec, [fanIn], 3), 11, "reference");
  assert.equal(big.kernel.length, 400 * 300);
  const st = stats(big.kernel);
  assert.ok(st.maxAbs <= 2 / Math.sqrt(fanIn) + 1e-7, `max |w| ${st.maxAbs}`);
  assert.ok(st.maxAbs > 1.9 / Math.sqrt(fanIn), "the tails reach near the cut");
  // 120000 draws: the sd's standard error is ~0.2%; allow 1%
  const want = TRUNC_SD / Math.sqrt(fanIn);
  assert.ok(Math.abs(st.sd - want) < 0.01 * want, `sd ${st.sd} vs ${want}`);
  assert.ok(Math.abs(st.mean) < 0.01 * want);
  assert.ok(big.bias.every((b) => b === 0) && out.bias.every((b) => b === 0));
  assert.ok(stats(out.kernel).maxAbs <= 2 / Math.sqrt(300) + 1e-7);
});

Deno.test("tfjs init: Glorot uniform within sqrt(6/(fan_in+fan_out)), variance limit^2/3", () => {
  const spec: ModelSpec = { type: "mlp", hidden: [200], activation: "relu", init: "tfjs" };
  const [w] = initialParams(planModel(spec, [300], 2), 5, "tfjs");
  const limit = Math.sqrt(6 / 500);
  const st = stats(w.kernel);
  assert.ok(st.maxAbs <= limit && st.maxAbs > 0.99 * limit);
  assert.ok(Math.abs(st.sd - limit / Math.sqrt(3)) < 0.01 * limit);
});

Deno.test("dense weights equal initDense; CNN conv kernels follow from the same stream", () => {
  const mlp: ModelSpec = {
    type: "mlp",
    hidden: [10, 7, 5, 4, 3],
    activation: "tanh",
    init: "reference",
  };
  const p = initialParams(planModel(mlp, [12], 2), 4, "reference");
  const d = initDense(4, [12, 10, 7, 5, 4, 3, 2], "reference");
  assert.deepEqual(p.map((l) => l.name), [
    "dense_1",
    "dense_2",
    "dense_3",
    "dense_4",
    "dense_5",
    "output",
  ]);
  p.forEach((l, k) => {
    assert.deepEqual(l.kernel, d.w[k]);
    assert.deepEqual(l.bias, d.b[k]);
  });
  for (const scheme of ["reference", "tfjs"] as const) {
    const plan = planModel({ ...SMALL_CNN, init: scheme }, [28, 28, 1], 10);
    const c = initialParams(plan, 9, scheme);
    assert.deepEqual(c.map((l) => l.name), ["conv_1", "conv_2", "dense_1", "output"]);
    // 28 -conv5-> 24 -pool-> 12 -conv3-> 10 -pool-> 5: flatten = 5*5*6 = 150
    const dd = initDense(9, [150, 16, 10], scheme);
    assert.deepEqual(c[2].kernel, dd.w[0]);
    assert.deepEqual(c[3].kernel, dd.w[1]);
    assert.deepEqual(c[0].kernelShape, [5, 5, 1, 4]);
    assert.deepEqual(c[1].kernelShape, [3, 3, 4, 6]);
    const conv2 = stats(c[1].kernel);
    const bound = scheme === "reference" ? 2 / Math.sqrt(9 * 4) : Math.sqrt(6 / (9 * 4 + 9 * 6));
    assert.ok(conv2.maxAbs <= bound + 1e-7, `${scheme}: conv_2 max ${conv2.maxAbs} > ${bound}`);
    // the conv kernels are not a copy of the dense draws
    assert.notDeepEqual([...c[0].kernel.slice(0, 5)], [...dd.w[0].slice(0, 5)]);
  }
});

Deno.test("a built model's variables hold the initial parameters", async () => {
  await initBackend("wasm");
  const m = buildTfModel(SMALL_CNN, [28, 28, 1], 10, 3);
  try {
    const got = await m.readParams();
    const want = initialParams(planModel(SMALL_CNN, [28, 28, 1], 10), 3, "tfjs");
    assert.deepEqual(got, want);
  } finally {
    m.dispose();
  }
});
