/**
 * Residual conv disentanglers (plugins/complexity/resnet_disentangler_net.ts,
 * `net: resnet`): growth keeps the function, both heads, the kernel with a
 * map feature, and the errors.
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { setWasmPaths } from "../deps/tensorflow_tfjs_backend_wasm.ts";
import { createRng } from "../core/rng.ts";
import { disentangle } from "../plugins/complexity/disentangle_kernel.ts";
import { complexityStats } from "../plugins/complexity/components.ts";
import {
  createResnetNet,
  disposeResnetNet,
  featureChannelsOf,
  forwardResnetNet,
  growResnetNet,
  resnetNetVariables,
} from "../plugins/complexity/resnet_disentangler_net.ts";
import { chooseNet } from "../plugins/complexity/options.ts";
import { ensureGradients } from "../core/gradients.ts";

setWasmPaths(
  new URL(
    "./",
    import.meta.resolve("npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/tfjs-backend-wasm.wasm"),
  )
    .href,
);
await tf.setBackend("wasm");
await ensureGradients();

function gaussian(n: number, seed: number): Float32Array {
  const rng = createRng(seed, "test");
  return Float32Array.from({ length: n }, () => rng.normal());
}

Deno.test("resnet disentangler: growing doubles the blocks per stage and keeps the function", () => {
  const rng = createRng(0, "t");
  for (const featureChannels of [undefined, 3]) {
    const outDim = featureChannels ? 2 * 2 * 3 : 5;
    const net = createResnetNet([8, 8, 3], 4, outDim, featureChannels, rng);
    // Make every second conv non-zero, so growth is tested on a general function.
    tf.tidy(() => {
      for (const v of resnetNetVariables(net)) {
        v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.2, "float32", 3)));
      }
    });
    const bigger = growResnetNet(net, rng);
    assert.equal(bigger.blocksPerStage, 2);
    assert.equal(bigger.blocks.length, 6);
    const grown = growResnetNet(bigger, rng);
    assert.equal(grown.blocks.length, 12, "n = 4: orders 1, 2, 3 have 4, 7, 13 layers");
    const x = tf.tensor2d(gaussian(6 * 192, 1), [6, 192]);
    const a = tf.tidy(() => forwardResnetNet(net, x).dataSync());
    const b = tf.tidy(() => forwardResnetNet(grown, x).dataSync());
    assert.equal(a.length, 6 * outDim);
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    assert.ok(m < 1e-5, `grown net differs by ${m}`);
    assert.ok(a.some((v) => Math.abs(v) > 1e-3), "a non-trivial function");
    [net, bigger, grown].forEach(disposeResnetNet);
    x.dispose();
  }
});

Deno.test("resnet disentangler: fits a map feature through the 1x1 head; errors", async () => {
  // f = the 2x2 average pools of the image's channels, mixed: a 2x2x2 map on 8x8x3 inputs.
  const n = 96;
  const x = gaussian(n * 192, 2);
  const f = new Float32Array(n * 8);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const s = [0, 0, 0];
        for (let y = 0; y < 4; y++) {
          for (let z = 0; z < 4; z++) {
            for (let c = 0; c < 3; c++) {
              s[c] += x[r * 192 + ((4 * i + y) * 8 + 4 * j + z) * 3 + c] / 16;
            }
          }
        }
        f[r * 8 + (i * 2 + j) * 2] = s[0] + s[1];
        f[r * 8 + (i * 2 + j) * 2 + 1] = s[1] - s[2];
      }
    }
  }
  const before = tf.memory().numTensors;
  const r = await disentangle(
    { x, f, n, inDim: 192, dim: 8, imageShape: [8, 8, 3], featureShape: [2, 2, 2] },
    {
      orders: 2,
      width: 0,
      net: "resnet",
      channels: 4,
      epochs: 1,
      batchSize: 32,
      steps: 150,
      seed: 0,
      lrStart: 1e-2,
      lrEnd: 1e-3,
    },
  );
  assert.equal(tf.memory().numTensors, before, "every tensor disposed");
  const s = complexityStats(f, r.phiTrain, n, 8);
  // Both orders learn most of the map variance.
  for (const l of [0, 1]) assert.ok(s.varResidual[l] < 0.5, `residual ${s.varResidual}`);
  assert.throws(() => featureChannelsOf([8, 8, 3], [4, 4, 2], 32), /mimics maps of 2x2/);
  assert.equal(featureChannelsOf([8, 8, 3], [64], 64), undefined);
  assert.equal(chooseNet("resnet", [8, 8, 3], []), "resnet");
  assert.throws(() => chooseNet("resnet", [12], []), /needs image inputs/);
});
