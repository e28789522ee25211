/**
 * The fused MLP kernels against independent expectations: central finite
 * differences (float64), a plain float64 reference trainer written here with
 * straightforward per-sample loops, and float64 Math for the SIMD kernel's
 * tanh / exp / log.
 */
import assert from "node:assert/strict";
import { createRng, permutation } from "../core/rng.ts";
import { initDense } from "../core/model/init.ts";
import { createBank } from "../core/train/fused/fused_mlp_bank.ts";
import { createJsKernel, type KernelBackend } from "../core/train/fused/fused_mlp_kernel.ts";
import { FUSED_ACTIVATION_NAMES } from "../core/model/activations.ts";
import { netShape, packParams, unpackParams } from "../core/train/fused/fused_mlp_net.ts";
import {
  createWasmKernel,
  instantiateSimd,
  simdAvailable,
  simdWasmBytes,
} from "../core/train/fused/fused_mlp_wasm.ts";

/** Seeded inputs in [-1, 1] and labels in [0, classes). */
function toyData(seed: number, n: number, cols: number, classes: number) {
  const r = createRng(seed, "toy");
  const x = new Float32Array(n * cols);
  for (let i = 0; i < x.length; i++) x[i] = 2 * r.next() - 1;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = r.int(classes);
  return { x, y, n };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("js kernel: gradients match central finite differences (float64), every activation", () => {
  const sizes = [3, 5, 4, 3];
  const { x, y, n } = toyData(1, 9, 3, 3);
  for (const act of FUSED_ACTIVATION_NAMES) {
    const net = netShape(sizes, act);
    const k = createJsKernel(net, 1, 16);
    const id = k.addData(x, y, n);
    const p0 = packParams(net, initDense(7, sizes, "reference"));
    // non-zero biases so every term of the gradient is exercised
    for (let j = 0; j < net.nParams; j++) p0[j] += 0.05 * Math.sin(j + 1);
    k.setParams(0, p0);
    const p = k.params64(0);
    const loss = () => {
      k.gather(id, false, 0, n, 0);
      k.forward(0, n, 0);
      return k.softmaxLoss(n, true, false) / n;
    };
    k.gather(id, false, 0, n, 0);
    k.forward(0, n, 0);
    k.softmaxLoss(n, true, true);
    k.backward(0, n);
    const g = Float64Array.from(k.grads64(0));
    const h = 1e-6;
    let worst = 0;
    const real = net.bOff[net.L - 1] + sizes[net.L]; // parameters before the padding
    for (let j = 0; j < real; j++) {
      const keep = p[j];
      p[j] = keep + h;
      const up = loss();
      p[j] = keep - h;
      const down = loss();
      p[j] = keep;
      const fd = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - g[j]) / Math.max(1e-3, Math.abs(fd)));
    }
    assert.ok(worst < 1e-6, `${act}: worst relative gradient error ${worst}`);
  }
});

/**
 * Plain float64 trainer written independently of the kernels: per-sample
 * forward and backward with nested arrays, softmax cross-entropy averaged
 * over the batch, Adam as PyTorch's single-tensor step (or SGD).
 */
function referenceTrain(
  sizes: number[],
  act: (z: number) => number,
  dact: (z: number) => number,
  init: { w: Float32Array[]; b: Float32Array[] },
  data: { x: Float32Array; y: Int32Array; n: number },
  o: { epochs: number; batch: number; lr: number; adam: boolean; shuffle: boolean; seed: number },
) {
  const L = sizes.length - 1;
  // W[k][i][j], b[k][j]
  const W = init.w.map((w, k) =>
    Array.from(
      { length: sizes[k] },
      (_, i) => Array.from(w.subarray(i * sizes[k + 1], (i + 1) * sizes[k + 1])),
    )
  );
  const b = init.b.map((v) => Array.from(v));
  const zeroW = () => W.map((m) => m.map((r) => r.map(() => 0)));
  const zeroB = () => b.map((r) => r.map(() => 0));
  const mW = zeroW(), vW = zeroW(), mB = zeroB(), vB = zeroB();
  let t = 0;
  const losses: number[] = [];
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const order = o.shuffle
      ? Array.from(permutation(createRng(o.seed, "batch:" + epoch), data.n))
      : Array.from({ length: data.n }, (_, i) => i);
    let total = 0;
    for (let start = 0; start < data.n; start += o.batch) {
      const rows = order.slice(start, start + o.batch);
      const gW = zeroW(), gB = zeroB();
      for (const row of rows) {
        const z: number[][] = [];
        const a: number[][] = [Array.from(data.x.subarray(row * sizes[0], (row + 1) * sizes[0]))];
        for (let k = 0; k < L; k++) {
          const zk = b[k].map((bj, j) => a[k].reduce((s, ai, i) => s + ai * W[k][i][j], bj));
          z.push(zk);
          a.push(k < L - 1 ? zk.map(act) : zk);
        }
        const logits = a[L];
        const m = Math.max(...logits);
        const e = logits.map((v) => Math.exp(v - m));
        const sum = e.reduce((s, v) => s + v, 0);
        const prob = e.map((v) => v / sum);
        total += -Math.log(prob[data.y[row]]);
        let delta = prob.map((p, c) => (p - (c === data.y[row] ? 1 : 0)) / rows.length);
        for (let k = L - 1; k >= 0; k--) {
          for (let j = 0; j < sizes[k + 1]; j++) {
            gB[k][j] += delta[j];
            for (let i = 0; i < sizes[k]; i++) gW[k][i][j] += a[k][i] * delta[j];
          }
          if (k > 0) {
            delta = a[k].map((_, i) =>
              dact(z[k - 1][i]) * delta.reduce((s, dj, j) => s + W[k][i][j] * dj, 0)
            );
          }
        }
      }
      t++;
      const upd = (p: number[], g: number[], m: number[], v: number[]) => {
        for (let i = 0; i < p.length; i++) {
          if (!o.adam) {
            p[i] -= o.lr * g[i];
            continue;
          }
          m[i] = 0.9 * m[i] + 0.1 * g[i];
          v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
          const mHat = m[i] / (1 - 0.9 ** t);
          const vHat = v[i] / (1 - 0.999 ** t);
          p[i] -= (o.lr * mHat) / (Math.sqrt(vHat) + 1e-8);
        }
      };
      for (let k = 0; k < L; k++) {
        for (let i = 0; i < sizes[k]; i++) upd(W[k][i], gW[k][i], mW[k][i], vW[k][i]);
        upd(b[k], gB[k], mB[k], vB[k]);
      }
    }
    losses.push(total / data.n);
  }
  return { losses, w: W.map((m) => m.flat()), b };
}

const REF_ACT: Record<string, [(z: number) => number, (z: number) => number]> = {
  tanh: [Math.tanh, (z) => 1 - Math.tanh(z) ** 2],
  relu: [(z) => Math.max(z, 0), (z) => (z > 0 ? 1 : 0)],
  sigmoid: [(z) => 1 / (1 + Math.exp(-z)), (z) => Math.exp(-z) / (1 + Math.exp(-z)) ** 2],
  elu: [(z) => (z > 0 ? z : Math.exp(z) - 1), (z) => (z > 0 ? 1 : Math.exp(z))],
  softplus: [(z) => Math.log(1 + Math.exp(z)), (z) => 1 / (1 + Math.exp(-z))],
  linear: [(z) => z, () => 1],
};

const kernels: KernelBackend[] = simdAvailable() ? ["js", "wasm-simd"] : ["js"];

for (const kernel of kernels) {
  Deno.test(`${kernel} bank: 3 epochs of Adam agree with a plain float64 reference`, () => {
    const sizes = [5, 6, 4, 3];
    const data = toyData(2, 37, 5, 3);
    // float64 kernel: rounding-level agreement (parameters come out as float32);
    // float32 SIMD kernel: float32 tolerance
    const tol = kernel === "js" ? 2e-7 : 1e-5;
    const lossTol = kernel === "js" ? 1e-12 : 1e-5;
    for (const act of FUSED_ACTIVATION_NAMES) {
      for (const shuffle of [false, true]) {
        const init = initDense(4, sizes, "reference");
        const o = { epochs: 3, batch: 8, lr: 0.01, adam: true, shuffle, seed: 4 };
        const ref = referenceTrain(sizes, ...REF_ACT[act], init, data, o);
        const net = netShape(sizes, act);
        const bank = createBank({
          sizes,
          activation: act,
          batchSize: 8,
          lr: 0.01,
          optimizer: "adam",
          shuffle,
          seeds: [4],
          data: [data],
          dataOf: [0],
          params: [packParams(net, init)],
          kernel,
        });
        const losses = [0, 1, 2].map((e) => bank.trainEpoch(e, false).loss[0]);
        const got = unpackParams(net, bank.params(0));
        const what = `${act} shuffle=${shuffle}`;
        assert.ok(
          maxAbsDiff(losses, ref.losses) < lossTol,
          `${what} losses ${losses} vs ${ref.losses}`,
        );
        for (let k = 0; k < net.L; k++) {
          const dw = maxAbsDiff(got.w[k], ref.w[k]);
          const db = maxAbsDiff(got.b[k], ref.b[k]);
          assert.ok(dw < tol && db < tol, `${what} layer ${k}: |dW| ${dw}, |db| ${db}`);
        }
      }
    }
  });

  Deno.test(`${kernel} bank: SGD step equals p - lr * g of the reference`, () => {
    const sizes = [4, 3, 2];
    const data = toyData(3, 20, 4, 2);
    const init = initDense(5, sizes, "reference");
    const ref = referenceTrain(sizes, ...REF_ACT.tanh, init, data, {
      epochs: 2,
      batch: 6,
      lr: 0.1,
      adam: false,
      shuffle: false,
      seed: 5,
    });
    const net = netShape(sizes, "tanh");
    const bank = createBank({
      sizes,
      activation: "tanh",
      batchSize: 6,
      lr: 0.1,
      optimizer: "sgd",
      shuffle: false,
      seeds: [5],
      data: [data],
      dataOf: [0],
      params: [packParams(net, init)],
      kernel,
    });
    bank.trainEpoch(0, false);
    bank.trainEpoch(1, false);
    const got = unpackParams(net, bank.params(0));
    const tol = kernel === "js" ? 2e-7 : 1e-6;
    for (let k = 0; k < net.L; k++) {
      assert.ok(maxAbsDiff(got.w[k], ref.w[k]) < tol);
      assert.ok(maxAbsDiff(got.b[k], ref.b[k]) < tol);
    }
  });
}

Deno.test({
  name: "wasm kernel: gradients and outputs agree with the float64 kernel, every activation",
  ignore: !simdAvailable(),
  fn() {
    const sizes = [7, 9, 6, 5, 3];
    // 45 rows: batches of 8 lanes plus a ragged tail (padding must add nothing)
    const { x, y, n } = toyData(6, 45, 7, 3);
    for (const act of FUSED_ACTIVATION_NAMES) {
      const net = netShape(sizes, act);
      const js = createJsKernel(net, 2, 64);
      const wa = createWasmKernel(net, 2, 64);
      for (const k of [js, wa]) {
        k.addData(x, y, n);
        k.setParams(1, packParams(net, initDense(9, sizes, "reference")));
        k.gather(0, false, 0, n, 0);
        k.forward(1, n, 0);
      }
      const lj = js.softmaxLoss(n, true, true), lw = wa.softmaxLoss(n, true, true);
      assert.ok(Math.abs(lj - lw) < 1e-5 * n, `${act}: loss ${lj} vs ${lw}`);
      assert.equal(js.correct(), wa.correct());
      js.backward(1, n);
      wa.backward(1, n);
      const gj = new Float32Array(net.nWeights), gw = new Float32Array(net.nWeights);
      js.copyWeightGrads(1, gj, 0);
      wa.copyWeightGrads(1, gw, 0);
      const scale = Math.max(...gj.map(Math.abs));
      assert.ok(maxAbsDiff(gj, gw) < 2e-6 * scale, `${act}: gradient ${maxAbsDiff(gj, gw)}`);
      const oj = new Float32Array(n * 3), ow = new Float32Array(n * 3);
      js.readLayer(net.L, n, oj, 0, 0);
      wa.readLayer(net.L, n, ow, 0, 0);
      assert.ok(maxAbsDiff(oj, ow) < 2e-6, `${act}: softmax output`);
    }
  },
});

Deno.test({
  name: "wasm tanh / exp / log agree with float64 Math to ~1e-7 relative",
  ignore: !simdAvailable(),
  fn() {
    const ex = instantiateSimd();
    const n = 1 << 18;
    ex.memory.grow(Math.ceil((4 * n + 65536) / 65536));
    const at = 65536;
    const view = () => new Float32Array(ex.memory.buffer, at, n);
    const run = (f: (p: number, n: number) => void, xs: Float32Array) => {
      view().set(xs);
      f(at, n);
      return view().slice();
    };
    const grid = (lo: number, hi: number) => {
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = lo + ((hi - lo) * i) / (n - 1);
      return v;
    };
    const geo = (lo: number, hi: number, sign: number) => {
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = sign * lo * Math.pow(hi / lo, i / (n - 1));
      return v;
    };
    let worstTanh = 0;
    for (const xs of [grid(-12, 12), grid(-1, 1), geo(1e-30, 1, 1), geo(1e-30, 1, -1)]) {
      const got = run(ex.tanhArray, xs);
      for (let i = 0; i < n; i++) {
        const want = Math.tanh(xs[i]);
        const err = want === 0 ? Math.abs(got[i]) : Math.abs(got[i] / want - 1);
        worstTanh = Math.max(worstTanh, err);
      }
    }
    assert.ok(worstTanh < 1.2e-7, `tanh max relative error ${worstTanh}`);
    const odd = run(ex.tanhArray, grid(-3, 3));
    for (let i = 0; i < n; i++) assert.equal(odd[i], -odd[n - 1 - i]);
    // saturates to exactly 1 where float32 tanh does
    assert.equal(Math.fround(Math.tanh(9.5)), 1);
    const sat = run(ex.tanhArray, grid(9.5, 1000));
    assert.ok(sat.every((v) => v === 1));

    let worstExp = 0;
    const ex1 = grid(-80, 80);
    const e = run(ex.expArray, ex1);
    for (let i = 0; i < n; i++) {
      worstExp = Math.max(worstExp, Math.abs(e[i] / Math.exp(ex1[i]) - 1));
    }
    assert.ok(worstExp < 2e-7, `exp max relative error ${worstExp}`);

    let worstLog = 0;
    for (const xs of [geo(1e-30, 1e30, 1), grid(0.5, 2)]) {
      const l = run(ex.logArray, xs);
      for (let i = 0; i < n; i++) {
        const want = Math.log(xs[i]);
        worstLog = Math.max(worstLog, Math.abs(l[i] - want) / Math.max(1, Math.abs(want)));
      }
    }
    assert.ok(worstLog < 2e-7, `log max error ${worstLog}`);
  },
});

Deno.test("fused_mlp_simd_wasm.ts holds exactly fused_mlp_simd.wasm", async () => {
  const file = await Deno.readFile(
    new URL("../core/train/fused/fused_mlp_simd.wasm", import.meta.url),
  );
  assert.deepEqual(simdWasmBytes(), file);
});
