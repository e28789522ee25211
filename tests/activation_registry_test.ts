/**
 * The activation registry is the one list: every name has a float64
 * formula that agrees with its tfjs op (two implementations), erf matches
 * tabulated values, the config and the dense networks accept every name
 * (leakyRelu included), the fused codes keep the kernel's order, and an
 * unknown name is refused with the full list rather than run as linear.
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import "../deps/tensorflow_tfjs_backend_cpu.ts";
import { parseConfig } from "../core/config.ts";
import { LensError } from "../core/errors.ts";
import { applyActivation } from "../core/model/activation.ts";
import {
  ACTIVATION_NAMES,
  applyPlainActivation,
  checkActivation,
  erf,
  FUSED_ACTIVATION_NAMES,
} from "../core/model/activations.ts";
import { initDense } from "../core/model/init.ts";
import { createDenseHandle } from "../plugins/complexity/dense_handle.ts";

Deno.test("every activation: the float64 formula equals the tfjs op to 2e-6", async () => {
  await tf.setBackend("cpu");
  const xs = Array.from({ length: 161 }, (_, i) => -8 + i * 0.1);
  for (const name of ACTIVATION_NAMES) {
    const plain = Float64Array.from(xs);
    applyPlainActivation(plain, name);
    const t = tf.tidy(() => applyActivation(tf.tensor1d(xs), name));
    const op = t.dataSync();
    t.dispose();
    for (let i = 0; i < xs.length; i++) {
      assert.ok(
        Math.abs(op[i] - plain[i]) <= 2e-6 * Math.max(1, Math.abs(plain[i])),
        `${name}(${xs[i]}): tfjs ${op[i]}, float64 ${plain[i]}`,
      );
    }
  }
});

Deno.test("erf matches tabulated values to 1e-12", () => {
  const table: [number, number][] = [
    [0, 0],
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [2.5, 0.9995930479825550],
    [3, 0.9999779095030014],
    [-1, -0.8427007929497149],
  ];
  for (const [x, want] of table) assert.ok(Math.abs(erf(x) - want) < 1e-12, `erf(${x})`);
});

Deno.test("the fused kernel's codes keep their order; leakyRelu and gelu are known everywhere", () => {
  assert.deepEqual(FUSED_ACTIVATION_NAMES, [
    "linear",
    "tanh",
    "relu",
    "sigmoid",
    "elu",
    "softplus",
  ]);
  for (const activation of ["leakyRelu", "gelu", "mish"]) {
    const c = parseConfig(`model: { activation: ${activation} }`, "run.yaml");
    assert.equal(c.model.type === "mlp" && c.model.activation, activation);
    // a dense network of the complexity family runs it (leakyRelu: 0.2 x below zero)
    const p = initDense(0, [2, 3, 2], "reference");
    const h = createDenseHandle(p, activation);
    assert.equal(h.layers[0].activation, activation);
  }
  const a = new Float32Array([-2, 3]);
  applyPlainActivation(a, "leakyRelu");
  assert.deepEqual([...a], [-0.4000000059604645, 3]);
});

Deno.test("an unknown activation is refused with the list, never run as linear", () => {
  assert.throws(() => checkActivation("tanhh", "model.activation"), (e: unknown) => {
    assert.ok(e instanceof LensError);
    assert.equal(e.field, "model.activation");
    assert.match(e.expected ?? "", /leakyRelu/);
    return true;
  });
  assert.throws(() => applyActivation(tf.tensor1d([1]), "bogus"), LensError);
  assert.throws(() => createDenseHandle(initDense(0, [2, 2], "reference"), "bogus"), LensError);
  assert.throws(() => parseConfig("model: { activation: bogus }", "run.yaml"), LensError);
});
