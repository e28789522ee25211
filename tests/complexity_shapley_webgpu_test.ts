/**
 * plugins/complexity/shapley_webgpu.ts: the WGSL coalition kernel against
 * - the tfjs network on the wasm backend (evaluateCoalitions of
 *   coalitions.ts through the trainer's forwardFrom): a 12-32-16-2 tanh
 *   net after 3 epochs on the 12-bit task, all 4096 inputs, 6 players at
 *   dense_1 (64 coalitions);
 * - a float64 forward pass written here (relu, 3 classes);
 * and the exact Shapley values of both loss tables.
 *
 * Tolerances: mean losses within 1e-6 relative (float32 forward passes
 * with different summation orders, and tfjs rounds the softmax to float32
 * before the log: a few 1e-8 per sample, averaged); accuracies equal to
 * within one sample (an arg-max tie broken differently); Shapley values
 * within 1e-6 absolute (they are differences of losses near 0.7).
 *
 * Without an adapter the tests fail when CI is set and are skipped otherwise.
 */
import assert from "node:assert/strict";
import { hasWebGpuAdapter, initBackend } from "../core/backend.ts";
import { loadTishby12 } from "../core/data/tishby12.ts";
import { createRng } from "../core/rng.ts";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import type { ModelHandle } from "../core/types.ts";
import { evaluateCoalitions, type PlayerSet } from "../plugins/complexity/coalitions.ts";
import { shapleyExact } from "../plugins/complexity/shapley.ts";
import {
  type DenseStack,
  evaluateCoalitionsOn,
  evaluateCoalitionsWebGpu,
  upperDenseStack,
} from "../plugins/complexity/shapley_webgpu.ts";

const HAVE = await hasWebGpuAdapter();
const CI = Boolean(Deno.env.get("CI"));
const ignore = !HAVE && !CI;
if (ignore) console.log("complexity_shapley_webgpu_test: skipped, no WebGPU adapter (lavapipe)");

function randomPlayers(n: number, dim: number, count: number, seed: number): PlayerSet {
  const rng = createRng(seed);
  const f32 = (len: number, sd: number) =>
    Float32Array.from({ length: len }, () => sd * rng.normal());
  return {
    n,
    dim,
    base: f32(dim, 0.2),
    players: Array.from({ length: count }, (_, l) => f32(n * dim, 0.6 / (l + 1))),
    labels: new Int32Array(n),
  };
}

function maxRel(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.abs(a[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test({
  name: "WGSL coalitions = tfjs on wasm: 12-32-16-2 tanh net, 4096 rows, 64 coalitions",
  ignore,
  async fn() {
    if (!HAVE) assert.fail("CI is set but there is no WebGPU adapter");
    const data = loadTishby12({ name: "tishby12", split: "reference", trainFraction: 0.8 }, 0);
    const t = await createTfjsTrainer({
      model: { type: "mlp", hidden: [32, 16], activation: "tanh", init: "tfjs" },
      training: { epochs: 3, batchSize: 512, lr: 1e-2, optimizer: "adam", shuffle: false },
      datasets: [data],
      seeds: [0],
      backend: "wasm",
    });
    try {
      for (let e = 0; e < 3; e++) await t.trainEpoch(e);
      const model = t.model(0);
      const stack = await upperDenseStack(model, "dense_1");
      assert.ok(stack);
      assert.deepEqual(stack.sizes, [32, 16, 2]);
      const set = randomPlayers(data.probe.n, 32, 6, 1);
      set.labels = data.probe.y;
      const masks = Array.from({ length: 64 }, (_, m) => m);
      const want = await evaluateCoalitions(model, "dense_1", set, masks);
      const got = await evaluateCoalitionsOn("webgpu", model, "dense_1", set, masks);
      const rel = maxRel(want.loss, got.loss);
      const acc = maxAbs(want.accuracy, got.accuracy);
      const phi = maxAbs(shapleyExact(want.loss, 6), shapleyExact(got.loss, 6));
      console.log(
        `loss max relative difference ${rel.toExponential(2)}, accuracy ${acc.toExponential(2)}, ` +
          `Shapley values max |diff| ${phi.toExponential(2)}`,
      );
      assert.ok(rel < 1e-6, `losses differ by ${rel} relative`);
      assert.ok(acc <= 1 / set.n + 1e-12, `accuracies differ by ${acc}`);
      assert.ok(phi < 1e-6, `Shapley values differ by ${phi}`);
      // the coalitions differ: the comparison is not of 64 copies of one number
      assert.ok(Math.max(...want.loss) - Math.min(...want.loss) > 1e-2);
    } finally {
      t.dispose();
      await initBackend("wasm");
    }
  },
});

/** Mean clipped cross-entropy and accuracy per mask, in float64. */
function reference(stack: DenseStack, set: PlayerSet, masks: number[]) {
  const { sizes } = stack;
  const loss = new Float64Array(masks.length), acc = new Float64Array(masks.length);
  masks.forEach((mask, m) => {
    for (let r = 0; r < set.n; r++) {
      let h = Array.from({ length: set.dim }, (_, k) => {
        let v = Math.fround(set.base[k]);
        set.players.forEach((p, l) => {
          if (mask & (1 << l)) v = Math.fround(v + p[r * set.dim + k]);
        });
        return v;
      });
      for (let k = 0; k + 1 < sizes.length; k++) {
        const out = Array.from({ length: sizes[k + 1] }, (_, o) => {
          let z = stack.b[k][o];
          for (let i = 0; i < sizes[k]; i++) z += h[i] * stack.w[k][i * sizes[k + 1] + o];
          return k + 2 < sizes.length ? Math.max(z, 0) : z;
        });
        h = out;
      }
      const zmax = Math.max(...h);
      const lse = zmax + Math.log(h.reduce((s, z) => s + Math.exp(z - zmax), 0));
      const y = set.labels[r];
      loss[m] -= Math.max(h[y] - lse, Math.log(1e-7)) / set.n;
      if (h.indexOf(zmax) === y) acc[m] += 1 / set.n;
    }
  });
  return { loss, acc };
}

Deno.test({
  name: "WGSL coalitions = float64 forward pass: relu, 3 classes, 5 players; dense stacks only",
  ignore,
  async fn() {
    if (!HAVE) assert.fail("CI is set but there is no WebGPU adapter");
    const rng = createRng(5);
    const sizes = [13, 21, 3];
    const stack: DenseStack = {
      sizes,
      w: [0, 1].map((k) =>
        Float32Array.from({ length: sizes[k] * sizes[k + 1] }, () => rng.normal() / 2)
      ),
      b: [0, 1].map((k) => Float32Array.from({ length: sizes[k + 1] }, () => rng.normal() / 4)),
      activation: "relu",
    };
    const set = randomPlayers(300, 13, 5, 2);
    set.labels = Int32Array.from({ length: 300 }, () => rng.int(3));
    const masks = [0, 1, 5, 17, 30, 31];
    const want = reference(stack, set, masks);
    const got = await evaluateCoalitionsWebGpu(stack, set, masks);
    const rel = maxRel(want.loss, got.loss);
    console.log(`float64 reference: loss max relative difference ${rel.toExponential(2)}`);
    assert.ok(rel < 1e-6);
    assert.ok(maxAbs(want.acc, got.accuracy) <= 1 / 300 + 1e-12);

    // a conv layer above the hook point: not a dense stack, so no GPU path
    const conv: ModelHandle = {
      seed: 0,
      layers: [
        { name: "conv_1", kind: "conv", units: 8, activation: "relu", hasWeights: true },
        { name: "conv_2", kind: "conv", units: 8, activation: "relu", hasWeights: true },
        { name: "output", kind: "output", units: 2, activation: "softmax", hasWeights: true },
      ],
      capture: () => Promise.reject(new Error("unused")),
      forwardFrom: () => Promise.reject(new Error("unused")),
      params: () => Promise.resolve([]),
    };
    assert.equal(await upperDenseStack(conv, "conv_1"), null);
    await assert.rejects(
      evaluateCoalitionsOn("webgpu", conv, "conv_1", randomPlayers(4, 8, 1, 0), [0, 1]),
      /not a plain dense stack.*device: wasm/,
    );
    // players of the wrong width are refused with the field named
    await assert.rejects(
      evaluateCoalitionsWebGpu(stack, randomPlayers(10, 7, 2, 0), [0]),
      /upper network takes 13 units, the players have 7/,
    );
  },
});
