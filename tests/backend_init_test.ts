/**
 * core/backend.ts: initBackend switches and reports the active backend,
 * repeated calls are harmless, unknown names are refused with a message
 * naming the field, the cpu backend prints no "install tfjs-node" banner,
 * tfVersions names what a run used, and gradients get registered.
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import {
  ensureGradients,
  hasWebGpuAdapter,
  initBackend,
  tensorCount,
  tfVersions,
} from "../core/backend.ts";
import type { BackendName } from "../core/types.ts";

Deno.test("initBackend: wasm, cpu, idempotent, returns the active backend", async () => {
  assert.equal(await initBackend("wasm"), "wasm");
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(await initBackend("wasm"), "wasm");
  // the wasm backend computes (and its binaries were found)
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const b = tf.matMul(a, a);
  assert.deepEqual([...(await b.data())], [7, 10, 15, 22]);
  assert.equal(tensorCount(), tf.memory().numTensors);
  tf.dispose([a, b]);
  const v = tfVersions();
  assert.equal(v.backend, "wasm");
  assert.equal(v["tfjs-core"], tf.version_core);
  assert.match(v["tfjs-backend-wasm"], /^\d+\.\d+\.\d+$/);
  assert.ok(v.wasmSimd === "true" || v.wasmSimd === "false");
  // concurrent calls are serialised and each resolves to its own backend
  const [x, y] = await Promise.all([initBackend("cpu"), initBackend("wasm")]);
  assert.deepEqual([x, y], ["cpu", "wasm"]);
  assert.equal(tf.getBackend(), "wasm");
});

Deno.test("initBackend: the cpu backend prints no tfjs-node banner", async () => {
  const warned: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => void warned.push(args.join(" "));
  try {
    assert.equal(await initBackend("cpu"), "cpu");
    const t = tf.tensor1d([1, 2, 3]);
    assert.deepEqual([...(await tf.sum(t).data())], [6]);
    t.dispose();
  } finally {
    console.warn = original;
    await initBackend("wasm");
  }
  assert.deepEqual(warned.filter((w) => w.includes("tfjs-node")), []);
});

Deno.test("initBackend: unknown backend is refused", async () => {
  await assert.rejects(
    initBackend("gpu" as BackendName),
    /backend.*unknown backend "gpu".*wasm, cpu, webgpu/,
  );
  // and a failed call does not block the next
  assert.equal(await initBackend("wasm"), "wasm");
});

Deno.test("ensureGradients registers tfjs's gradients", async () => {
  await initBackend("wasm");
  await ensureGradients();
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.tanh(x)));
  const x = tf.tensor1d([0, 0.5]);
  const d = g(x);
  const got = await d.data();
  assert.ok(Math.abs(got[0] - 1) < 1e-6);
  assert.ok(Math.abs(got[1] - (1 - Math.tanh(0.5) ** 2)) < 1e-6);
  tf.dispose([x, d]);
});

Deno.test("hasWebGpuAdapter answers a boolean", async () => {
  assert.equal(typeof (await hasWebGpuAdapter()), "boolean");
});
