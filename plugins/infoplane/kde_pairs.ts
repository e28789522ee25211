/**
 * The pair sums of the KDE bounds (kde_mi.ts): for a point i and a range of
 * points j, the weighted kernel terms e8 = exp(-D_ij c8) (0 beyond the
 * cut-off) and e2 = e8^4, summed over j for row i and added to each j's
 * column sums. Two implementations of one memory layout: the WebAssembly
 * SIMD kernel (kde_simd.as, two pairs per instruction, float64), and plain
 * TypeScript where the runtime lacks WebAssembly SIMD (and as a second
 * implementation for the tests). Both compute exp(-x) as exp_neg.ts does.
 *
 * @module
 */
import { EXP_NEG_MAX, expNeg } from "./exp_neg.ts";
import { KDE_WASM_BASE64 } from "./kde_simd_wasm.ts";

/** Which implementation sums the pairs. */
export type KdeKernel = "auto" | "simd" | "js";

/** A workspace for P weighted points of `cols` dimensions and C classes. */
export interface PairWorkspace {
  /** Float64 view of the memory; the offsets below index it. */
  mem: Float64Array;
  /** Column-major points: column k at `cm + k * P`. */
  cm: number;
  /** Weights, P values. */
  w: number;
  /** Column sums of e2 for rows of class c at `col2(c)`, of e8 at `col8(c)`, P values each. */
  col2(c: number): number;
  /** See {@link PairWorkspace.col2}. */
  col8(c: number): number;
  /**
   * Adds the pairs (i, j), j in [j0, j1), with row i of class `cls` and
   * weight `wi`; returns the row sums in `mem[out]` (e2) and `mem[out + 1]` (e8).
   */
  run(i: number, j0: number, j1: number, cls: number, wi: number): void;
  /** Where {@link PairWorkspace.run} leaves its two sums. */
  out: number;
}

interface KdeExports {
  memory: WebAssembly.Memory;
  pairs(
    i: number,
    j0: number,
    j1: number,
    P: number,
    cols: number,
    cm: number,
    w: number,
    col2: number,
    col8: number,
    out: number,
    table: number,
    scratch: number,
    chunk: number,
    c8: number,
    limit: number,
    wi: number,
  ): void;
}

const STEPS = 32;
const TABLE_N = Math.ceil(EXP_NEG_MAX * STEPS / Math.LN2) + 2;

let compiled: WebAssembly.Module | null | undefined;
let instance: KdeExports | undefined;

/** The kernel's instance (one per thread, memory grown as needed), or undefined without SIMD. */
function simdInstance(): KdeExports | undefined {
  if (compiled === undefined) {
    const bin = atob(KDE_WASM_BASE64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    compiled = typeof WebAssembly === "object" && WebAssembly.validate(bytes)
      ? new WebAssembly.Module(bytes)
      : null;
  }
  if (compiled && !instance) {
    instance = new WebAssembly.Instance(compiled, {}).exports as unknown as KdeExports;
  }
  return instance;
}

/** Whether the WebAssembly SIMD kernel runs here. */
export function kdeSimdAvailable(): boolean {
  return simdInstance() !== undefined;
}

/**
 * A workspace for P points of `cols` dimensions in C classes, with kernel
 * scale `c8`, cut-off `limit` on D and distance chunks of `chunk` points.
 * The column sums start at 0; the caller fills `cm` and `w`. A SIMD
 * workspace lives in the kernel's memory and is valid until the next call.
 */
export function pairWorkspace(
  P: number,
  cols: number,
  C: number,
  chunk: number,
  c8: number,
  limit: number,
  kernel: KdeKernel = "auto",
): PairWorkspace {
  const ex = kernel === "js" ? undefined : simdInstance();
  if (kernel === "simd" && !ex) throw new Error("WebAssembly SIMD is not available here");
  const ch = Math.max(2, chunk + (chunk & 1));
  // layout in doubles: table, out (2), scratch, cm (+ 2 pad), w, 2C column sums (P + 2 each)
  const out = TABLE_N + (TABLE_N & 1);
  const scratch = out + 2;
  const cm = scratch + ch;
  const w = cm + P * cols + 2;
  const cols0 = w + P + 2;
  const total = cols0 + 2 * C * (P + 2);
  let mem: Float64Array;
  if (ex) {
    const have = ex.memory.buffer.byteLength;
    if (total * 8 > have) ex.memory.grow(Math.ceil((total * 8 - have) / 65536));
    mem = new Float64Array(ex.memory.buffer, 0, total);
    mem.fill(0, out);
  } else {
    mem = new Float64Array(total);
  }
  for (let k = 0; k < TABLE_N; k++) mem[k] = Math.pow(2, -k / STEPS);
  const col2 = (c: number) => cols0 + c * (P + 2);
  const col8 = (c: number) => cols0 + (C + c) * (P + 2);
  const run = ex
    ? (i: number, j0: number, j1: number, cls: number, wi: number) =>
      ex.pairs(
        i,
        j0,
        j1,
        P,
        cols,
        cm * 8,
        w * 8,
        col2(cls) * 8,
        col8(cls) * 8,
        out * 8,
        0,
        scratch * 8,
        ch,
        c8,
        limit,
        wi,
      )
    : (i: number, j0: number, j1: number, cls: number, wi: number) =>
      pairsJs(mem, P, cols, cm, w, col2(cls), col8(cls), out, i, j0, j1, c8, limit, wi);
  return { mem, cm, w, col2, col8, out, run };
}

/** The TypeScript pair sums (same layout and arithmetic as the SIMD kernel). */
function pairsJs(
  m: Float64Array,
  P: number,
  cols: number,
  cm: number,
  w: number,
  c2: number,
  c8s: number,
  out: number,
  i: number,
  j0: number,
  j1: number,
  c8: number,
  limit: number,
  wi: number,
): void {
  let acc2 = 0, acc8 = 0;
  for (let j = j0; j < j1; j++) {
    let d = 0;
    for (let k = 0, at = cm; k < cols; k++, at += P) {
      const t = m[at + j] - m[at + i];
      d += t * t;
    }
    if (d > limit) continue;
    const e8 = expNeg(d * c8);
    const sq = e8 * e8;
    const e2 = sq * sq;
    const wj = m[w + j];
    acc8 += wj * e8;
    acc2 += wj * e2;
    m[c8s + j] += wi * e8;
    m[c2 + j] += wi * e2;
  }
  m[out] = acc2;
  m[out + 1] = acc8;
}
