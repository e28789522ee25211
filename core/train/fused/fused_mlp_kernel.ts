/**
 * The fused MLP kernel interface, and its pure-TypeScript implementation
 * (float64 arithmetic, `Math.tanh`): forward, softmax cross-entropy,
 * backward and the optimiser step on typed arrays with fixed layouts.
 *
 * Both kernels hold the parameters and optimiser state of several seeds and
 * one batch of activations and deltas, feature-major (unit u of layer k at
 * `[u * stride, u * stride + count)`), so that the WebAssembly kernel can run
 * its loops over samples four lanes at a time. This one is the reference the
 * WebAssembly kernel is tested against, and the fallback where WebAssembly
 * SIMD is missing.
 *
 * @module
 */
import type { NetShape } from "./fused_mlp_net.ts";

/** Backend names of the two kernels. */
export type KernelBackend = "js" | "wasm-simd";

/**
 * Low-level operations of a fused MLP kernel holding `seeds` parameter
 * blocks and one batch buffer of `batchCap` samples.
 */
export interface MlpKernel {
  readonly backend: KernelBackend;
  readonly net: NetShape;
  readonly seeds: number;
  /** Largest batch a call may use. */
  readonly batchCap: number;
  /** Registers a labelled data set (row-major [rows, sizes[0]]); returns its id (>= 0). */
  addData(x: Float32Array, y: Int32Array | null, rows: number): number;
  /** Inputs for one call (id -1), replacing the previous; `cols` is the width of the layer fed. */
  setTemp(x: Float32Array, y: Int32Array | null, rows: number, cols: number): void;
  /** Row order used by `gather(..., useIndex = true)`. */
  setIndex(idx: Int32Array): void;
  /** Loads rows start..start+count of data set `data` into layer `layer`'s buffer (and labels). */
  gather(data: number, useIndex: boolean, start: number, count: number, layer: number): void;
  /** Forward pass of seed `seed` from layer `from` (its buffer filled) to the output logits. */
  forward(seed: number, count: number, from: number): void;
  /**
   * Softmax of the logits in place. With `labels`: returns the summed
   * cross-entropy over the batch and counts hits (see `correct`); with
   * `train`: writes the output delta of the batch-mean loss.
   */
  softmaxLoss(count: number, labels: boolean, train: boolean): number;
  /** Argmax hits counted by the last `softmaxLoss` with labels. */
  correct(): number;
  /** Gradient of the batch-mean loss of seed `seed` (after `softmaxLoss(.., true, true)`). */
  backward(seed: number, count: number): void;
  /** Adam step of seed `seed` (PyTorch single-tensor order). */
  adam(seed: number, b1: number, b2: number, negStep: number, bc2sqrt: number, eps: number): void;
  /** Plain SGD step. */
  sgd(seed: number, lr: number): void;
  /** Copy of one seed's parameter block. */
  getParams(seed: number): Float32Array;
  setParams(seed: number, p: ArrayLike<number>): void;
  /** Copies the weight gradients (biases left out), layer by layer, into out at offset. */
  copyWeightGrads(seed: number, out: Float32Array, offset: number): void;
  /** Writes `count` rows of layer `layer` row-major into out: row r at `offset + (row0 + r) * units`. */
  readLayer(layer: number, count: number, out: Float32Array, offset: number, row0: number): void;
}

/** Activation a = f(z) for kernel code `act`, float64. */
export function activation(act: number, z: number): number {
  switch (act) {
    case 1:
      return Math.tanh(z);
    case 2:
      return z > 0 ? z : 0;
    case 3:
      return 1 / (1 + Math.exp(-z));
    case 4:
      return z > 0 ? z : Math.expm1(z);
    case 5:
      return (z > 0 ? z : 0) + Math.log1p(Math.exp(-Math.abs(z)));
    default:
      return z;
  }
}

/** Derivative f'(z) written as a function of a = f(z), for kernel code `act`. */
export function derivative(act: number, a: number): number {
  switch (act) {
    case 1:
      return 1 - a * a;
    case 2:
      return a > 0 ? 1 : 0;
    case 3:
      return a * (1 - a);
    case 4:
      return a > 0 ? 1 : a + 1;
    case 5:
      return -Math.expm1(-a);
    default:
      return 1;
  }
}

interface Source {
  x: Float32Array;
  y: Int32Array | null;
  cols: number;
}

/**
 * The pure-TypeScript kernel. Parameters, optimiser state, activations and
 * deltas are float64; `params64` exposes a seed's block for tests.
 *
 * @example
 * ```ts
 * const k = createJsKernel(netShape([2, 3, 2], "tanh"), 1, 8);
 * ```
 */
export function createJsKernel(
  net: NetShape,
  seeds: number,
  batchCap: number,
): MlpKernel & { params64(seed: number): Float64Array; grads64(seed: number): Float64Array } {
  const { sizes, L, act, wOff, bOff, nParams } = net;
  const stride = batchCap;
  const P = Array.from({ length: seeds }, () => new Float64Array(nParams));
  const G = Array.from({ length: seeds }, () => new Float64Array(nParams));
  const M = Array.from({ length: seeds }, () => new Float64Array(nParams));
  const V = Array.from({ length: seeds }, () => new Float64Array(nParams));
  const A = sizes.map((u) => new Float64Array(u * stride));
  const D = sizes.map((u) => new Float64Array(u * stride));
  const yb = new Int32Array(stride);
  const data: Source[] = [];
  let temp: Source = { x: new Float32Array(0), y: null, cols: 0 };
  let index: Int32Array = new Int32Array(0);
  let hits = 0;

  return {
    backend: "js",
    net,
    seeds,
    batchCap,
    params64: (s) => P[s],
    grads64: (s) => G[s],
    addData(x, y, _rows) {
      data.push({ x, y, cols: sizes[0] });
      return data.length - 1;
    },
    setTemp(x, y, _rows, cols) {
      temp = { x, y, cols };
    },
    setIndex(idx) {
      index = idx;
    },
    gather(id, useIndex, start, count, layer) {
      const src = id < 0 ? temp : data[id];
      const a = A[layer];
      const cols = src.cols;
      for (let r = 0; r < count; r++) {
        const row = useIndex ? index[start + r] : start + r;
        for (let c = 0; c < cols; c++) a[c * stride + r] = src.x[row * cols + c];
        yb[r] = src.y ? src.y[row] : -1;
      }
    },
    forward(s, count, from) {
      const p = P[s];
      for (let k = from; k < L; k++) {
        const nin = sizes[k], nout = sizes[k + 1];
        const ain = A[k], aout = A[k + 1];
        for (let j = 0; j < nout; j++) {
          const bj = p[bOff[k] + j];
          for (let r = 0; r < count; r++) {
            let z = bj;
            for (let i = 0; i < nin; i++) z += ain[i * stride + r] * p[wOff[k] + i * nout + j];
            aout[j * stride + r] = k < L - 1 ? activation(act, z) : z;
          }
        }
      }
    },
    softmaxLoss(count, labels, train) {
      const C = sizes[L];
      const out = A[L], dout = D[L];
      let loss = 0;
      hits = 0;
      for (let r = 0; r < count; r++) {
        let m = -Infinity, arg = 0;
        for (let c = 0; c < C; c++) {
          const z = out[c * stride + r];
          if (z > m) {
            m = z;
            arg = c;
          }
        }
        let sum = 0;
        for (let c = 0; c < C; c++) sum += Math.exp(out[c * stride + r] - m);
        const y = yb[r];
        if (labels) {
          loss += Math.log(sum) + m - out[y * stride + r];
          if (arg === y) hits++;
        }
        for (let c = 0; c < C; c++) {
          const p = Math.exp(out[c * stride + r] - m) / sum;
          out[c * stride + r] = p;
          if (train) dout[c * stride + r] = (p - (c === y ? 1 : 0)) / count;
        }
      }
      return loss;
    },
    correct: () => hits,
    backward(s, count) {
      const p = P[s], g = G[s];
      for (let k = L - 1; k >= 0; k--) {
        const nin = sizes[k], nout = sizes[k + 1];
        const ain = A[k], dout = D[k + 1], din = D[k];
        for (let j = 0; j < nout; j++) {
          let sb = 0;
          for (let r = 0; r < count; r++) sb += dout[j * stride + r];
          g[bOff[k] + j] = sb;
        }
        for (let i = 0; i < nin; i++) {
          for (let j = 0; j < nout; j++) {
            let sw = 0;
            for (let r = 0; r < count; r++) sw += ain[i * stride + r] * dout[j * stride + r];
            g[wOff[k] + i * nout + j] = sw;
          }
        }
        if (k === 0) continue;
        for (let i = 0; i < nin; i++) {
          for (let r = 0; r < count; r++) {
            let sd = 0;
            for (let j = 0; j < nout; j++) sd += p[wOff[k] + i * nout + j] * dout[j * stride + r];
            din[i * stride + r] = sd * derivative(act, ain[i * stride + r]);
          }
        }
      }
    },
    adam(s, b1, b2, negStep, bc2sqrt, eps) {
      const p = P[s], g = G[s], m = M[s], v = V[s];
      for (let i = 0; i < nParams; i++) {
        m[i] = m[i] * b1 + (1 - b1) * g[i];
        v[i] = v[i] * b2 + (1 - b2) * g[i] * g[i];
        p[i] += (negStep * m[i]) / (Math.sqrt(v[i]) / bc2sqrt + eps);
      }
    },
    sgd(s, lr) {
      const p = P[s], g = G[s];
      for (let i = 0; i < nParams; i++) p[i] -= lr * g[i];
    },
    getParams: (s) => Float32Array.from(P[s]),
    setParams(s, p) {
      P[s].fill(0);
      for (let i = 0; i < p.length; i++) P[s][i] = p[i];
    },
    copyWeightGrads(s, out, offset) {
      let o = offset;
      for (let k = 0; k < L; k++) {
        const n = sizes[k] * sizes[k + 1];
        for (let i = 0; i < n; i++) out[o + i] = G[s][wOff[k] + i];
        o += n;
      }
    },
    readLayer(layer, count, out, offset, row0) {
      const u = sizes[layer], a = A[layer];
      for (let r = 0; r < count; r++) {
        for (let c = 0; c < u; c++) out[offset + (row0 + r) * u + c] = a[c * stride + r];
      }
    },
  };
}
