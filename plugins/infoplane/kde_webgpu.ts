/**
 * The KDE mutual-information bounds of kde_mi.ts with the pairwise work
 * on a GPU (our own WGSL, run through Deno's WebGPU): for every row i and
 * class c, the sums S_c(i) = sum_{j in c} exp(-D_ij a) for a = 1/(2 s2)
 * and 1/(8 s2), D_ij the squared distance; the logs and the averages
 * over rows are then taken on the host in float64 with the formulas of
 * kde_mi.ts (same skip of terms below e^-40).
 *
 * Log-sum-exp: each row's largest term is its own, j = i, where D = 0, so
 * the max-subtraction shift is exactly 0 and every sum lies in [1, P]:
 * nothing over- or underflows that matters (terms below e^-40 are skipped).
 *
 * Precision in float32: rows are sorted by class on the host; one
 * invocation per row keeps its row in registers and walks the other rows
 * a tile at a time (tiles in workgroup memory). Each D_ij is a plain f32
 * sum of squared f32 differences (relative error about d/2 ulp), each term
 * exp(-D a) then carries a relative error of about (D a) x that, and
 * terms are added with Kahan compensation, whose running error stays near
 * one ulp whatever P. The host adds the compensation back in float64.
 * Measured against the float64 kernel on lavapipe: see
 * tests/infoplane_kde_webgpu_test.ts.
 *
 * @module
 */
import {
  checkBindingSize,
  dispatch,
  kernelDevice,
  readBack,
  uploadBuffer,
} from "../../core/webgpu/device.ts";
import type { KdeMi } from "./kde_mi.ts";

const WG = 64;
/** Floats of one tile of rows in workgroup memory (16 KiB). */
const TILE_FLOATS = 4096;
/**
 * Inner-loop iterations one invocation runs per dispatch. Mesa's llvmpipe
 * (lavapipe) stops a shader loop after 65535 iterations (its guard against
 * endless loops), which silently dropped the rows past ~65000 / d; the
 * columns j are therefore split over dispatches of at most this many
 * row-times-unit steps, each resuming the Kahan sums where the last left them.
 */
const STEPS_PER_DISPATCH = 48000;

const tileRows = (cols: number) => Math.max(1, Math.min(WG, Math.floor(TILE_FLOATS / cols)));

function shader(cols: number): string {
  const tile = tileRows(cols);
  return /* wgsl */ `
struct Params { rows: u32, classes: u32, a8: f32, limit: f32, j_begin: u32, j_end: u32 }
@group(0) @binding(0) var<storage, read> prm: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> start: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
const D: u32 = ${cols}u;
const T: u32 = ${tile}u;
const WG: u32 = ${WG}u;
var<workgroup> tile: array<f32, ${tile * cols}>;

// Kahan: s.x the sum, s.y minus the low-order part lost so far
fn kahan(s: vec2<f32>, v: f32) -> vec2<f32> {
  let y = v - s.y;
  let t = s.x + y;
  return vec2<f32>(t, (t - s.x) - y);
}

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let P = prm.rows;
  let i = gid.x;
  let live = i < P;
  var xi: array<f32, D>;
  for (var k = 0u; k < D; k++) { xi[k] = select(0.0, x[min(i, P - 1u) * D + k], live); }
  // resume the sums of the class of j_begin where the previous dispatch left them
  var c = 0u;
  while (prm.j_begin >= start[c + 1u]) { c++; }
  let r = (min(i, P - 1u) * prm.classes + c) * 4u;
  var s2 = vec2<f32>(out[r], out[r + 1u]);
  var s8 = vec2<f32>(out[r + 2u], out[r + 3u]);
  for (var j0 = prm.j_begin; j0 < prm.j_end; j0 += T) {
    workgroupBarrier();
    for (var t = lid.x; t < T * D; t += WG) {
      let g = j0 * D + t;
      tile[t] = select(0.0, x[min(g, P * D - 1u)], g < P * D);
    }
    workgroupBarrier();
    let jn = min(T, prm.j_end - j0);
    for (var jj = 0u; jj < jn; jj++) {
      let j = j0 + jj;
      while (j >= start[c + 1u]) {
        if (live) {
          let o = (i * prm.classes + c) * 4u;
          out[o] = s2.x; out[o + 1u] = s2.y; out[o + 2u] = s8.x; out[o + 3u] = s8.y;
        }
        s2 = vec2<f32>(0.0, 0.0);
        s8 = vec2<f32>(0.0, 0.0);
        c++;
      }
      var d2 = 0.0;
      for (var k = 0u; k < D; k++) {
        let t = xi[k] - tile[jj * D + k];
        d2 += t * t;
      }
      let a = d2 * prm.a8;
      if (a <= prm.limit) {
        s8 = kahan(s8, exp(-a));
        s2 = kahan(s2, exp(-4.0 * a));
      }
    }
  }
  if (live) {
    let o = (i * prm.classes + c) * 4u;
    out[o] = s2.x; out[o + 1u] = s2.y; out[o + 2u] = s8.x; out[o + 3u] = s8.y;
  }
}
`;
}

/** Per-row, per-class kernel sums from the GPU (rows in class order). */
export interface KdeRowSums {
  /** `sum2[r * C + c]`: sum over class c of exp(-D / (2 s2)) for sorted row r (self term included). */
  sum2: Float64Array;
  /** The same with 8 s2. */
  sum8: Float64Array;
  /** Class ranges of the sorted rows: class c is rows start[c] .. start[c+1]-1. */
  start: Int32Array;
}

/**
 * The per-row, per-class kernel sums of `data` (`rows x cols`, row-major)
 * computed on the GPU.
 */
export async function kdeRowSumsWebGpu(
  data: Float32Array,
  rows: number,
  cols: number,
  labels: Int32Array,
  numClasses: number,
  noiseVariance: number,
): Promise<KdeRowSums> {
  const P = rows, C = numClasses;
  const start = new Int32Array(C + 1);
  for (let i = 0; i < P; i++) start[labels[i] + 1]++;
  for (let c = 0; c < C; c++) start[c + 1] += start[c];
  const fill = start.slice(0, C);
  const sorted = new Float32Array(P * cols);
  for (let i = 0; i < P; i++) {
    sorted.set(data.subarray(i * cols, (i + 1) * cols), fill[labels[i]]++ * cols);
  }
  const device = await kernelDevice();
  const outBytes = P * C * 4 * 4;
  checkBindingSize(device, Math.max(outBytes, sorted.byteLength), "the KDE kernel");
  const bufs = [
    uploadBuffer(device, sorted),
    uploadBuffer(device, Uint32Array.from(start)),
    device.createBuffer({
      size: outBytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    }),
  ];
  const code = shader(cols);
  const tile = tileRows(cols);
  const span = Math.max(tile, Math.floor(STEPS_PER_DISPATCH / (cols + 2) / tile) * tile);
  try {
    for (let j = 0; j < P; j += span) {
      const params = new ArrayBuffer(24);
      new Uint32Array(params, 0, 2).set([P, C]);
      new Float32Array(params, 8, 2).set([1 / (8 * noiseVariance), 40]);
      new Uint32Array(params, 16, 2).set([j, Math.min(P, j + span)]);
      const prm = uploadBuffer(device, new Float32Array(params));
      bufs.push(prm);
      await dispatch(device, code, [prm, ...bufs.slice(0, 3)], [Math.ceil(P / WG)]);
    }
    const raw = await readBack(device, bufs[2], outBytes);
    const sum2 = new Float64Array(P * C), sum8 = new Float64Array(P * C);
    for (let r = 0; r < P * C; r++) {
      sum2[r] = raw[4 * r] - raw[4 * r + 1];
      sum8[r] = raw[4 * r + 2] - raw[4 * r + 3];
    }
    return { sum2, sum8, start };
  } finally {
    for (const b of bufs) b.destroy();
  }
}

/**
 * KDE bounds in bits from per-row, per-class sums (the host half of
 * {@link kdeMiWebGpu}; the formulas of kde_mi.ts).
 *
 * @example
 * ```ts
 * // two rows of two classes, far apart: each row's sums are its own term
 * kdeFromRowSums({ sum2: new Float64Array([1, 0, 0, 1]), sum8: new Float64Array([1, 0, 0, 1]), start: new Int32Array([0, 1, 2]) }).ixtUpper; // 1
 * ```
 */
export function kdeFromRowSums(s: KdeRowSums): KdeMi {
  const C = s.start.length - 1;
  const P = s.start[C];
  const lnP = Math.log(P);
  let up = 0, low = 0, upCls = 0, lowCls = 0;
  let cls = 0;
  for (let i = 0; i < P; i++) {
    while (i >= s.start[cls + 1]) cls++;
    let all2 = 0, all8 = 0;
    for (let c = 0; c < C; c++) {
      all2 += s.sum2[i * C + c];
      all8 += s.sum8[i * C + c];
    }
    const lnAll2 = Math.log(all2) - lnP;
    const lnAll8 = Math.log(all8) - lnP;
    const lnCls = Math.log(s.start[cls + 1] - s.start[cls]);
    up += lnAll2;
    low += lnAll8;
    upCls += Math.log(s.sum2[i * C + cls]) - lnCls - lnAll2;
    lowCls += Math.log(s.sum8[i * C + cls]) - lnCls - lnAll8;
  }
  const toBits = 1 / (P * Math.LN2);
  return {
    ixtUpper: -up * toBits,
    ixtLower: -low * toBits,
    ityUpper: upCls * toBits,
    ityLower: lowCls * toBits,
  };
}

/**
 * {@link kdeMi} of kde_mi.ts with the pairwise sums on the GPU: the same
 * bounds in bits, to float32 precision (see the module notes).
 *
 * @example
 * ```ts
 * const h = new Float32Array([0, 0, 0, 0, 9, 9, 9, 9]);
 * (await kdeMiWebGpu(h, 4, 2, new Int32Array([0, 0, 1, 1]), 2, 0.1)).ixtUpper; // ~1
 * ```
 */
export async function kdeMiWebGpu(
  data: Float32Array,
  rows: number,
  cols: number,
  labels: Int32Array,
  numClasses: number,
  noiseVariance: number,
): Promise<KdeMi> {
  return kdeFromRowSums(
    await kdeRowSumsWebGpu(data, rows, cols, labels, numClasses, noiseVariance),
  );
}
