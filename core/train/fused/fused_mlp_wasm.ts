/**
 * The WebAssembly SIMD kernel (float32, four samples per instruction),
 * compiled from fused_mlp_simd.as by fused_mlp_build.ts. Implements the same
 * {@link MlpKernel} interface as the pure-TS kernel; the host side here only
 * lays out linear memory and copies data in and out.
 *
 * @module
 */
import type { MlpKernel } from "./fused_mlp_kernel.ts";
import type { NetShape } from "./fused_mlp_net.ts";
import { FUSED_MLP_WASM_BASE64 } from "./fused_mlp_simd_wasm.ts";

/** Exports of the compiled kernel (see fused_mlp_simd.as for what each does). */
export interface SimdExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  tanhArray(p: number, n: number): void;
  expArray(p: number, n: number): void;
  logArray(p: number, n: number): void;
  forward(plan: number, P: number, count: number, from: number): void;
  softmaxLoss(plan: number, yb: number, count: number, train: number, invCount: number): number;
  correct(): number;
  backward(plan: number, P: number, G: number, count: number): void;
  adam(
    P: number,
    G: number,
    M: number,
    V: number,
    n: number,
    b1: number,
    b2: number,
    negStep: number,
    bc2sqrt: number,
    eps: number,
  ): void;
  sgd(P: number, G: number, n: number, lr: number): void;
  gather(
    x: number,
    y: number,
    idx: number,
    start: number,
    count: number,
    cols: number,
    dst: number,
    stride: number,
    yb: number,
  ): void;
  scatter(
    src: number,
    units: number,
    stride: number,
    count: number,
    out: number,
    row0: number,
  ): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** Bytes of the compiled kernel. */
export function simdWasmBytes(): Uint8Array<ArrayBuffer> {
  const bin = atob(FUSED_MLP_WASM_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** The compiled module, or null where this runtime lacks WebAssembly SIMD. */
export function simdModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = simdWasmBytes();
    compiled = typeof WebAssembly === "object" && WebAssembly.validate(bytes)
      ? new WebAssembly.Module(bytes)
      : null;
  }
  return compiled;
}

/** Whether the WebAssembly SIMD kernel can run here. */
export function simdAvailable(): boolean {
  return simdModule() !== null;
}

/** A fresh instance of the kernel module (its own memory). */
export function instantiateSimd(): SimdExports {
  const mod = simdModule();
  if (!mod) throw new Error("WebAssembly SIMD is not available in this runtime");
  const inst = new WebAssembly.Instance(mod, {
    env: {
      abort: () => {
        throw new Error("fused MLP wasm kernel aborted");
      },
    },
  });
  return inst.exports as unknown as SimdExports;
}

const align = (n: number) => (n + 15) & ~15;

/**
 * The WebAssembly kernel for `seeds` parameter blocks of `net` and batches
 * of up to `batchCap` samples.
 *
 * @example
 * ```ts
 * if (simdAvailable()) {
 *   const k = createWasmKernel(netShape([12, 10, 2], "tanh"), 3, 512);
 * }
 * ```
 */
export function createWasmKernel(net: NetShape, seeds: number, batchCap: number): MlpKernel {
  const ex = instantiateSimd();
  const { sizes, L, nParams } = net;
  // Unit rows sit `stride` floats apart. A stride of many 64-byte lines with a
  // large power of two in it (e.g. 512 floats = 2 KiB) puts the rows of a layer
  // in one or two L1 cache sets; an odd number of lines spreads them over all.
  let stride = (batchCap + 15) & ~15;
  if ((stride / 16) % 2 === 0) stride += 16;
  const mem = ex.memory;
  let top = align(ex.heapBase());
  const alloc = (bytes: number): number => {
    const p = top;
    top = align(top + bytes);
    const need = top - mem.buffer.byteLength;
    if (need > 0) mem.grow(Math.ceil(need / 65536));
    return p;
  };
  const f32 = () => new Float32Array(mem.buffer);
  const i32 = () => new Int32Array(mem.buffer);

  const planWords = 6 + 5 * L;
  const plan = alloc(4 * planWords);
  const P: number[] = [], G: number[] = [], M: number[] = [], V: number[] = [];
  for (let s = 0; s < seeds; s++) {
    P.push(alloc(4 * nParams));
    G.push(alloc(4 * nParams));
    M.push(alloc(4 * nParams));
    V.push(alloc(4 * nParams));
  }
  const A = sizes.map((u) => alloc(4 * u * stride));
  const D = sizes.map((u) => alloc(4 * u * stride));
  const yb = alloc(4 * stride);
  const rowbuf = alloc(4 * stride * Math.max(...sizes));
  {
    const w = i32();
    const p = plan >> 2;
    w[p] = L;
    w[p + 1] = stride;
    w[p + 2] = net.act;
    for (let k = 0; k <= L; k++) w[p + 3 + k] = sizes[k];
    for (let k = 0; k < L; k++) {
      w[p + 4 + L + k] = net.wOff[k];
      w[p + 4 + 2 * L + k] = net.bOff[k];
    }
    for (let k = 0; k <= L; k++) {
      w[p + 4 + 3 * L + k] = A[k];
      w[p + 5 + 4 * L + k] = D[k];
    }
    // fresh memory is zero: parameters, moments and buffers start at 0
  }

  interface Region {
    x: number;
    y: number;
    cols: number;
  }
  const data: Region[] = [];
  let temp: Region = { x: 0, y: 0, cols: 0 };
  let tempCap = 0;
  let index = 0;
  let indexCap = 0;

  const copyIn = (
    x: Float32Array,
    y: Int32Array | null,
    rows: number,
    cols: number,
    at: Region,
  ) => {
    f32().set(x.subarray(0, rows * cols), at.x >> 2);
    if (y) i32().set(y.subarray(0, rows), at.y >> 2);
  };

  return {
    backend: "wasm-simd",
    net,
    seeds,
    batchCap,
    addData(x, y, rows) {
      const cols = sizes[0];
      const r: Region = { x: alloc(4 * rows * cols), y: y ? alloc(4 * rows) : 0, cols };
      copyIn(x, y, rows, cols, r);
      data.push(r);
      return data.length - 1;
    },
    setTemp(x, y, rows, cols) {
      const bytes = 4 * rows * (cols + 1);
      if (bytes > tempCap) {
        tempCap = Math.max(bytes, 2 * tempCap);
        temp = { x: alloc(tempCap), y: 0, cols };
      }
      temp = { x: temp.x, y: y ? temp.x + 4 * rows * cols : 0, cols };
      copyIn(x, y, rows, cols, temp);
    },
    setIndex(idx) {
      if (idx.length > indexCap) {
        indexCap = Math.max(idx.length, 2 * indexCap);
        index = alloc(4 * indexCap);
      }
      i32().set(idx, index >> 2);
    },
    gather(id, useIndex, start, count, layer) {
      const src = id < 0 ? temp : data[id];
      ex.gather(src.x, src.y, useIndex ? index : 0, start, count, src.cols, A[layer], stride, yb);
    },
    forward(s, count, from) {
      ex.forward(plan, P[s], count, from);
    },
    softmaxLoss(count, labels, train) {
      return ex.softmaxLoss(plan, labels ? yb : 0, count, train ? 1 : 0, 1 / count);
    },
    correct: () => ex.correct(),
    backward(s, count) {
      ex.backward(plan, P[s], G[s], count);
    },
    adam(s, b1, b2, negStep, bc2sqrt, eps) {
      ex.adam(P[s], G[s], M[s], V[s], nParams, b1, b2, negStep, bc2sqrt, eps);
    },
    sgd(s, lr) {
      ex.sgd(P[s], G[s], nParams, lr);
    },
    getParams: (s) => f32().slice(P[s] >> 2, (P[s] >> 2) + nParams),
    setParams(s, p) {
      const v = f32();
      v.fill(0, P[s] >> 2, (P[s] >> 2) + nParams);
      v.set(p, P[s] >> 2);
    },
    copyWeightGrads(s, out, offset) {
      const v = f32();
      let o = offset;
      for (let k = 0; k < L; k++) {
        const n = sizes[k] * sizes[k + 1];
        const from = (G[s] >> 2) + net.wOff[k];
        out.set(v.subarray(from, from + n), o);
        o += n;
      }
    },
    readLayer(layer, count, out, offset, row0) {
      const u = sizes[layer];
      ex.scatter(A[layer], u, stride, count, rowbuf, 0);
      out.set(f32().subarray(rowbuf >> 2, (rowbuf >> 2) + count * u), offset + row0 * u);
    },
  };
}
