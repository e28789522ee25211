// AssemblyScript source of the fused MLP kernel (WebAssembly, 128-bit SIMD, float32).
//
// Build: deno run -A core/train/fused/fused_mlp_build.ts  (writes fused_mlp_simd.wasm and
// fused_mlp_simd_wasm.ts). The extension is .as so that Deno's fmt/lint/check leave
// this file alone; the build script copies it to a .ts name for the compiler.
//
// Layout. Activations and deltas of a batch are held feature-major: unit u of
// layer k occupies floats [u * stride, u * stride + lanes) of that layer's
// buffer, one lane per sample, so every loop below runs over samples four at a
// time. `lanes` is the batch count rounded up to a multiple of 8; padded lanes
// hold zero inputs and zero deltas, so they add nothing to any gradient.
// Parameters of one seed are one float block: for each layer k the weights
// W_k [in, out] row-major, then the biases b_k [out].
//
// The plan is an i32 array the host writes once:
//   [0] L (weight layers)  [1] stride (floats per unit row)  [2] activation code
//   [3 .. 3+L]            sizes[0..L]
//   [4+L .. 4+2L)          wOff[k] (float offset of W_k in a parameter block)
//   [4+2L .. 4+3L)         bOff[k]
//   [4+3L .. 5+4L)         aPtr[k] (byte address of layer k's activations), k = 0..L
//   [5+4L .. 6+5L)         dPtr[k] (byte address of layer k's deltas), k = 0..L
//
// Activation codes: 0 linear, 1 tanh, 2 relu, 3 sigmoid, 4 elu, 5 softplus.

// ---------------------------------------------------------------------------
// plan access

@inline function pl(plan: usize, i: i32): i32 {
  return load<i32>(plan + (<usize>i << 2));
}
@inline function size(plan: usize, k: i32): i32 {
  return pl(plan, 3 + k);
}
@inline function wOff(plan: usize, k: i32): usize {
  return <usize>pl(plan, 4 + pl(plan, 0) + k) << 2;
}
@inline function bOff(plan: usize, k: i32): usize {
  return <usize>pl(plan, 4 + 2 * pl(plan, 0) + k) << 2;
}
@inline function aPtr(plan: usize, k: i32): usize {
  return <usize>pl(plan, 4 + 3 * pl(plan, 0) + k);
}
@inline function dPtr(plan: usize, k: i32): usize {
  return <usize>pl(plan, 5 + 4 * pl(plan, 0) + k);
}
@inline function laneBytes(count: i32): usize {
  return <usize>((count + 7) & ~7) << 2;
}

// ---------------------------------------------------------------------------
// vector math (float32, four lanes)
//
// Constants live in a table in linear memory, each splatted to four lanes:
// V8 builds a v128 constant from immediates with several instructions at
// every use, while a load from L1 is one (this made tanh ~25% faster).

// exp(r) = 1 + r + r^2 Q(r) on |r| <= ln2/2; Q fitted minimax for relative error
// (core/train/fused/fused_mlp_fit_coeffs.py); max relative error of exp4 ~1.2e-7.
// tanh(t) = t + t s P(s), s = t^2, for t < 0.9, P fitted the same way;
// e^(2t) route above. Max relative error of tanhRow against float64 ~1e-7.
const K_T5 = 0, K_T4 = 1, K_T3 = 2, K_T2 = 3, K_T1 = 4, K_T0 = 5;
const K_E4 = 6, K_E3 = 7, K_E2 = 8, K_E1 = 9, K_E0 = 10;
const K_LOG2E = 11, K_MAGIC = 12, K_LN2HI = 13, K_LN2LO = 14;
const K_ONE = 15, K_TWO = 16, K_HALF = 17, K_SPLIT = 18, K_TANH_MAX = 19;
const K_EXP_LO = 20, K_EXP_HI = 21, K_SQRT2 = 22;
const K_L9 = 23, K_L7 = 24, K_L5 = 25, K_L3 = 26;

const KTAB: usize = memory.data<f32>([
  // tanh polynomial P(s), highest coefficient first
  0.001303947763517499, 0.001303947763517499, 0.001303947763517499, 0.001303947763517499,
  -0.006860029883682728, -0.006860029883682728, -0.006860029883682728, -0.006860029883682728,
  0.02090410515666008, 0.02090410515666008, 0.02090410515666008, 0.02090410515666008,
  -0.053721483796834946, -0.053721483796834946, -0.053721483796834946, -0.053721483796834946,
  0.13330359756946564, 0.13330359756946564, 0.13330359756946564, 0.13330359756946564,
  -0.3333321213722229, -0.3333321213722229, -0.3333321213722229, -0.3333321213722229,
  // exp polynomial Q(r), highest first
  0.0013814599951729178, 0.0013814599951729178, 0.0013814599951729178, 0.0013814599951729178,
  0.008368710055947304, 0.008368710055947304, 0.008368710055947304, 0.008368710055947304,
  0.04166838899254799, 0.04166838899254799, 0.04166838899254799, 0.04166838899254799,
  0.1666652113199234, 0.1666652113199234, 0.1666652113199234, 0.1666652113199234,
  0.4999999403953552, 0.4999999403953552, 0.4999999403953552, 0.4999999403953552,
  // log2(e); 1.5 * 2^23 (adding it rounds to an integer in the low mantissa bits)
  1.4426950408889634, 1.4426950408889634, 1.4426950408889634, 1.4426950408889634,
  12582912.0, 12582912.0, 12582912.0, 12582912.0,
  // ln 2 split so that n * LN2HI is exact
  0.693145751953125, 0.693145751953125, 0.693145751953125, 0.693145751953125,
  1.428606765330187e-6, 1.428606765330187e-6, 1.428606765330187e-6, 1.428606765330187e-6,
  1.0, 1.0, 1.0, 1.0,
  2.0, 2.0, 2.0, 2.0,
  0.5, 0.5, 0.5, 0.5,
  // tanh: polynomial below 0.9; 2t clamped at 19 (tanh(9.5) rounds to 1 in float32)
  0.9, 0.9, 0.9, 0.9,
  19.0, 19.0, 19.0, 19.0,
  // exp input range (no overflow, no subnormal scale)
  -87.3, -87.3, -87.3, -87.3,
  88.3, 88.3, 88.3, 88.3,
  1.4142135623730951, 1.4142135623730951, 1.4142135623730951, 1.4142135623730951,
  // log: atanh series 1/9, 1/7, 1/5, 1/3
  0.1111111111111111, 0.1111111111111111, 0.1111111111111111, 0.1111111111111111,
  0.14285714285714285, 0.14285714285714285, 0.14285714285714285, 0.14285714285714285,
  0.2, 0.2, 0.2, 0.2,
  0.3333333333333333, 0.3333333333333333, 0.3333333333333333, 0.3333333333333333,
], 16);

@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}

@inline function kv(i: i32): v128 {
  return v128.load(KTAB + (<usize>i << 4));
}

@inline function mad(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(a, b), c);
}

/** 2^n (n a float holding an integer, as bits of `shifted` = n + 1.5 * 2^23) times e. */
@inline function scale2n(e: v128, shifted: v128): v128 {
  return i32x4.add(e, i32x4.shl(i32x4.sub(shifted, i32x4.splat(0x4b400000)), 23));
}

/** e^x per lane, x clamped to [-87.3, 88.3]. */
@inline function exp4(x0: v128): v128 {
  const x = f32x4.pmin(f32x4.pmax(x0, kv(K_EXP_LO)), kv(K_EXP_HI));
  const shifted = mad(x, kv(K_LOG2E), kv(K_MAGIC));
  const n = f32x4.sub(shifted, kv(K_MAGIC));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, kv(K_LN2HI))), f32x4.mul(n, kv(K_LN2LO)));
  let q = mad(kv(K_E4), r, kv(K_E3));
  q = mad(q, r, kv(K_E2));
  q = mad(q, r, kv(K_E1));
  q = mad(q, r, kv(K_E0));
  const e = f32x4.add(f32x4.add(kv(K_ONE), r), f32x4.mul(f32x4.mul(r, r), q));
  return scale2n(e, shifted);
}

/** Natural log per lane of positive normal x (error ~1e-7). */
@inline function log4(x: v128): v128 {
  const bits = x;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(127));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), kv(K_ONE));
  const big = f32x4.gt(m, kv(K_SQRT2));
  m = v128.bitselect(f32x4.mul(m, kv(K_HALF)), m, big);
  e = i32x4.sub(e, big); // big lanes are -1
  const w = f32x4.div(f32x4.sub(m, kv(K_ONE)), f32x4.add(m, kv(K_ONE)));
  const w2 = f32x4.mul(w, w);
  let s = mad(kv(K_L9), w2, kv(K_L7));
  s = mad(s, w2, kv(K_L5));
  s = mad(s, w2, kv(K_L3));
  const lm = f32x4.mul(f32x4.add(w, w), mad(s, w2, kv(K_ONE)));
  const ef = f32x4.convert_i32x4_s(e);
  return f32x4.add(f32x4.mul(ef, kv(K_LN2HI)), mad(ef, kv(K_LN2LO), lm));
}

/** tanh(t) for 0 <= t < 0.9: t + t s P(s), s = t^2. */
@inline function tanhSmall(t: v128): v128 {
  const s = f32x4.mul(t, t);
  let p = mad(kv(K_T5), s, kv(K_T4));
  p = mad(p, s, kv(K_T3));
  p = mad(p, s, kv(K_T2));
  p = mad(p, s, kv(K_T1));
  p = mad(p, s, kv(K_T0));
  return f32x4.add(t, f32x4.mul(t, f32x4.mul(s, p)));
}

/** tanh(t) for t >= 0.9: 1 - 2 / (e^(2t) + 1), e^(2t) inline (2t clamped to 19). */
@inline function tanhLarge(t: v128): v128 {
  const x2 = f32x4.pmin(f32x4.add(t, t), kv(K_TANH_MAX));
  const shifted = mad(x2, kv(K_LOG2E), kv(K_MAGIC));
  const n = f32x4.sub(shifted, kv(K_MAGIC));
  const r = f32x4.sub(f32x4.sub(x2, f32x4.mul(n, kv(K_LN2HI))), f32x4.mul(n, kv(K_LN2LO)));
  let q = mad(kv(K_E4), r, kv(K_E3));
  q = mad(q, r, kv(K_E2));
  q = mad(q, r, kv(K_E1));
  q = mad(q, r, kv(K_E0));
  const e = scale2n(f32x4.add(f32x4.add(kv(K_ONE), r), f32x4.mul(f32x4.mul(r, r), q)), shifted);
  return f32x4.sub(kv(K_ONE), f32x4.div(kv(K_TWO), f32x4.add(e, kv(K_ONE))));
}

/**
 * tanh over nb bytes at p, in place; max relative error against float64
 * tanh ~1e-7. A vector whose four lanes all fall on one side of 0.9 (most of
 * them once units saturate) computes only that side's formula.
 */
function tanhRow(p: usize, nb: usize): void {
  for (let off: usize = 0; off < nb; off += 16) {
    const x = v128.load(p + off);
    const t = v128.and(x, i32x4.splat(0x7fffffff));
    const lo = f32x4.lt(t, kv(K_SPLIT));
    let y: v128;
    if (!v128.any_true(lo)) y = tanhLarge(t);
    else if (i32x4.all_true(lo)) y = tanhSmall(t);
    else y = v128.bitselect(tanhSmall(t), tanhLarge(t), lo);
    v128.store(p + off, v128.or(y, v128.and(x, i32x4.splat(0x80000000))));
  }
}

/** Applies `tanhRow` to n floats at p (n a multiple of 4): exposed for tests. */
export function tanhArray(p: usize, n: i32): void {
  tanhRow(p, <usize>n << 2);
}

/** Applies `exp4` to n floats at p (n a multiple of 4): exposed for tests. */
export function expArray(p: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const q = p + (<usize>i << 2);
    v128.store(q, exp4(v128.load(q)));
  }
}

/** Applies `log4` to n floats at p (n a multiple of 4): exposed for tests. */
export function logArray(p: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const q = p + (<usize>i << 2);
    v128.store(q, log4(v128.load(q)));
  }
}

// ---------------------------------------------------------------------------
// activations and their derivatives (as functions of the activation a)

function activate(o: usize, nb: usize, act: i32): void {
  if (act == 1) {
    tanhRow(o, nb);
  } else if (act == 2) {
    const z = splat(0);
    for (let off: usize = 0; off < nb; off += 16) {
      v128.store(o + off, f32x4.pmax(v128.load(o + off), z));
    }
  } else if (act >= 3) {
    // rare activations: scalar float64, accurate
    for (let off: usize = 0; off < nb; off += 4) {
      const z = <f64>load<f32>(o + off);
      let a: f64;
      if (act == 3) a = 1 / (1 + Math.exp(-z));
      else if (act == 4) a = z > 0 ? z : Math.expm1(z);
      else a = (z > 0 ? z : 0) + Math.log1p(Math.exp(-Math.abs(z)));
      store<f32>(o + off, <f32>a);
    }
  }
}

/** d *= act'(a) over nb bytes. */
function scaleByDerivative(d: usize, a: usize, nb: usize, act: i32): void {
  if (act == 0) return;
  if (act == 1) {
    const one = kv(K_ONE);
    for (let off: usize = 0; off < nb; off += 16) {
      const av = v128.load(a + off);
      v128.store(d + off, f32x4.mul(v128.load(d + off), f32x4.sub(one, f32x4.mul(av, av))));
    }
  } else if (act == 2) {
    const z = splat(0);
    for (let off: usize = 0; off < nb; off += 16) {
      v128.store(d + off, v128.and(v128.load(d + off), f32x4.gt(v128.load(a + off), z)));
    }
  } else {
    for (let off: usize = 0; off < nb; off += 4) {
      const av = <f64>load<f32>(a + off);
      let g: f64;
      if (act == 3) g = av * (1 - av);
      else if (act == 4) g = av > 0 ? 1 : av + 1;
      else g = -Math.expm1(-av);
      store<f32>(d + off, <f32>(<f64>load<f32>(d + off) * g));
    }
  }
}

// ---------------------------------------------------------------------------
// linear combinations of unit rows: o = base + sum_t w_t src_t, rows src_t = src + t*stride

function comb4(o: usize, init: bool, base: v128, src: usize, stride: usize, w0: f32, w1: f32, w2: f32, w3: f32, nb: usize): void {
  const v0 = splat(w0), v1 = splat(w1), v2 = splat(w2), v3 = splat(w3);
  const s1 = src + stride, s2 = src + 2 * stride, s3 = src + 3 * stride;
  // two copies of the loop so that neither tests `init` per vector
  if (init) {
    for (let off: usize = 0; off < nb; off += 16) {
      const t01 = mad(v128.load(src + off), v0, f32x4.mul(v128.load(s1 + off), v1));
      const t23 = mad(v128.load(s2 + off), v2, f32x4.mul(v128.load(s3 + off), v3));
      v128.store(o + off, f32x4.add(base, f32x4.add(t01, t23)));
    }
  } else {
    for (let off: usize = 0; off < nb; off += 16) {
      const t01 = mad(v128.load(src + off), v0, f32x4.mul(v128.load(s1 + off), v1));
      const t23 = mad(v128.load(s2 + off), v2, f32x4.mul(v128.load(s3 + off), v3));
      v128.store(o + off, f32x4.add(v128.load(o + off), f32x4.add(t01, t23)));
    }
  }
}

function comb2(o: usize, init: bool, base: v128, src: usize, stride: usize, w0: f32, w1: f32, nb: usize): void {
  const v0 = splat(w0), v1 = splat(w1);
  const s1 = src + stride;
  if (init) {
    for (let off: usize = 0; off < nb; off += 16) {
      const t01 = mad(v128.load(src + off), v0, f32x4.mul(v128.load(s1 + off), v1));
      v128.store(o + off, f32x4.add(base, t01));
    }
  } else {
    for (let off: usize = 0; off < nb; off += 16) {
      const t01 = mad(v128.load(src + off), v0, f32x4.mul(v128.load(s1 + off), v1));
      v128.store(o + off, f32x4.add(v128.load(o + off), t01));
    }
  }
}

function comb1(o: usize, init: bool, base: v128, src: usize, w0: f32, nb: usize): void {
  const v0 = splat(w0);
  if (init) {
    for (let off: usize = 0; off < nb; off += 16) {
      v128.store(o + off, f32x4.add(base, f32x4.mul(v128.load(src + off), v0)));
    }
  } else {
    for (let off: usize = 0; off < nb; off += 16) {
      v128.store(o + off, f32x4.add(v128.load(o + off), f32x4.mul(v128.load(src + off), v0)));
    }
  }
}

/**
 * o = base + sum_{i<m} w[i * wStride] * row_i, rows of `src` spaced `stride`
 * bytes; `init` false adds to what o holds instead of base.
 */
function combine(o: usize, init: bool, base: v128, src: usize, stride: usize, w: usize, wStride: usize, m: i32, nb: usize): void {
  let i = 0;
  let first = init;
  for (; i + 4 <= m; i += 4) {
    const wp = w + <usize>i * wStride;
    comb4(o, first, base, src + <usize>i * stride, stride, load<f32>(wp), load<f32>(wp + wStride), load<f32>(wp + 2 * wStride), load<f32>(wp + 3 * wStride), nb);
    first = false;
  }
  if (i + 2 <= m) {
    const wp = w + <usize>i * wStride;
    comb2(o, first, base, src + <usize>i * stride, stride, load<f32>(wp), load<f32>(wp + wStride), nb);
    first = false;
    i += 2;
  }
  if (i < m) {
    comb1(o, first, base, src + <usize>i * stride, load<f32>(w + <usize>i * wStride), nb);
  }
}

// Two output rows at once (o and o + stride) share every input load: output 0
// takes weights w + t * wStride, output 1 takes w + wOut + t * wStride.

function comb2x4(o: usize, init: bool, b0: v128, b1: v128, src: usize, stride: usize, w: usize, wStride: usize, wOut: usize, nb: usize): void {
  const u0 = splat(load<f32>(w)), u1 = splat(load<f32>(w + wStride));
  const u2 = splat(load<f32>(w + 2 * wStride)), u3 = splat(load<f32>(w + 3 * wStride));
  const w1 = w + wOut;
  const v0 = splat(load<f32>(w1)), v1 = splat(load<f32>(w1 + wStride));
  const v2 = splat(load<f32>(w1 + 2 * wStride)), v3 = splat(load<f32>(w1 + 3 * wStride));
  const s1 = src + stride, s2 = src + 2 * stride, s3 = src + 3 * stride;
  const o1 = o + stride;
  if (init) {
    for (let off: usize = 0; off < nb; off += 16) {
      const x0 = v128.load(src + off), x1 = v128.load(s1 + off);
      const x2 = v128.load(s2 + off), x3 = v128.load(s3 + off);
      const a = f32x4.add(mad(x0, u0, f32x4.mul(x1, u1)), mad(x2, u2, f32x4.mul(x3, u3)));
      const b = f32x4.add(mad(x0, v0, f32x4.mul(x1, v1)), mad(x2, v2, f32x4.mul(x3, v3)));
      v128.store(o + off, f32x4.add(b0, a));
      v128.store(o1 + off, f32x4.add(b1, b));
    }
  } else {
    for (let off: usize = 0; off < nb; off += 16) {
      const x0 = v128.load(src + off), x1 = v128.load(s1 + off);
      const x2 = v128.load(s2 + off), x3 = v128.load(s3 + off);
      const a = f32x4.add(mad(x0, u0, f32x4.mul(x1, u1)), mad(x2, u2, f32x4.mul(x3, u3)));
      const b = f32x4.add(mad(x0, v0, f32x4.mul(x1, v1)), mad(x2, v2, f32x4.mul(x3, v3)));
      v128.store(o + off, f32x4.add(v128.load(o + off), a));
      v128.store(o1 + off, f32x4.add(v128.load(o1 + off), b));
    }
  }
}

function comb2x2(o: usize, init: bool, b0: v128, b1: v128, src: usize, stride: usize, w: usize, wStride: usize, wOut: usize, nb: usize): void {
  const u0 = splat(load<f32>(w)), u1 = splat(load<f32>(w + wStride));
  const v0 = splat(load<f32>(w + wOut)), v1 = splat(load<f32>(w + wOut + wStride));
  const s1 = src + stride;
  const o1 = o + stride;
  if (init) {
    for (let off: usize = 0; off < nb; off += 16) {
      const x0 = v128.load(src + off), x1 = v128.load(s1 + off);
      v128.store(o + off, f32x4.add(b0, mad(x0, u0, f32x4.mul(x1, u1))));
      v128.store(o1 + off, f32x4.add(b1, mad(x0, v0, f32x4.mul(x1, v1))));
    }
  } else {
    for (let off: usize = 0; off < nb; off += 16) {
      const x0 = v128.load(src + off), x1 = v128.load(s1 + off);
      v128.store(o + off, f32x4.add(v128.load(o + off), mad(x0, u0, f32x4.mul(x1, u1))));
      v128.store(o1 + off, f32x4.add(v128.load(o1 + off), mad(x0, v0, f32x4.mul(x1, v1))));
    }
  }
}

function comb2x1(o: usize, init: bool, b0: v128, b1: v128, src: usize, stride: usize, w: usize, wOut: usize, nb: usize): void {
  const u0 = splat(load<f32>(w)), v0 = splat(load<f32>(w + wOut));
  const o1 = o + stride;
  if (init) {
    for (let off: usize = 0; off < nb; off += 16) {
      const x0 = v128.load(src + off);
      v128.store(o + off, f32x4.add(b0, f32x4.mul(x0, u0)));
      v128.store(o1 + off, f32x4.add(b1, f32x4.mul(x0, v0)));
    }
  } else {
    for (let off: usize = 0; off < nb; off += 16) {
      const x0 = v128.load(src + off);
      v128.store(o + off, f32x4.add(v128.load(o + off), f32x4.mul(x0, u0)));
      v128.store(o1 + off, f32x4.add(v128.load(o1 + off), f32x4.mul(x0, v0)));
    }
  }
}

/** `combine` for the two rows o and o + stride (bases b0, b1), weights of row 1 at +wOut. */
function combine2(o: usize, b0: v128, b1: v128, src: usize, stride: usize, w: usize, wStride: usize, wOut: usize, m: i32, nb: usize): void {
  let i = 0;
  let first = true;
  for (; i + 4 <= m; i += 4) {
    comb2x4(o, first, b0, b1, src + <usize>i * stride, stride, w + <usize>i * wStride, wStride, wOut, nb);
    first = false;
  }
  if (i + 2 <= m) {
    comb2x2(o, first, b0, b1, src + <usize>i * stride, stride, w + <usize>i * wStride, wStride, wOut, nb);
    first = false;
    i += 2;
  }
  if (i < m) comb2x1(o, first, b0, b1, src + <usize>i * stride, stride, w + <usize>i * wStride, wOut, nb);
}

// ---------------------------------------------------------------------------
// forward, softmax + cross-entropy, backward

/** Computes layers from+1..L from layer `from`'s activations; the output holds logits. */
export function forward(plan: usize, P: usize, count: i32, from: i32): void {
  const L = pl(plan, 0);
  const stride = <usize>pl(plan, 1) << 2;
  const act = pl(plan, 2);
  const nb = laneBytes(count);
  for (let k = from; k < L; k++) {
    const nin = size(plan, k), nout = size(plan, k + 1);
    const W = P + wOff(plan, k), b = P + bOff(plan, k);
    const ain = aPtr(plan, k), aout = aPtr(plan, k + 1);
    const wStride = <usize>nout << 2;
    let j = 0;
    for (; j + 2 <= nout; j += 2) {
      const o = aout + <usize>j * stride;
      const bj = b + (<usize>j << 2);
      combine2(o, splat(load<f32>(bj)), splat(load<f32>(bj + 4)), ain, stride, W + (<usize>j << 2), wStride, 4, nin, nb);
      if (k < L - 1) {
        activate(o, nb, act);
        activate(o + stride, nb, act);
      }
    }
    if (j < nout) {
      const o = aout + <usize>j * stride;
      combine(o, true, splat(load<f32>(b + (<usize>j << 2))), ain, stride, W + (<usize>j << 2), wStride, nin, nb);
      if (k < L - 1) activate(o, nb, act);
    }
  }
}

let lastCorrect: i32 = 0;

/** Correct predictions counted by the last `softmaxLoss` with labels. */
export function correct(): i32 {
  return lastCorrect;
}

/**
 * Turns the output logits into softmax probabilities in place. With labels
 * (`yb` != 0: one i32 per lane) returns the summed cross-entropy over the
 * first `count` lanes, counts argmax hits (see `correct`), and when `train`
 * writes the output delta (p - onehot) * invCount, zero on padded lanes.
 */
export function softmaxLoss(plan: usize, yb: usize, count: i32, train: bool, invCount: f32): f64 {
  const L = pl(plan, 0);
  const stride = <usize>pl(plan, 1) << 2;
  const C = size(plan, L);
  const out = aPtr(plan, L), dout = dPtr(plan, L);
  const nb = laneBytes(count);
  let lossLo = f64x2.splat(0), lossHi = f64x2.splat(0);
  let hits = i32x4.splat(0);
  const cnt = i32x4.splat(count);
  const inv = splat(invCount);
  let lane = i32x4(0, 1, 2, 3);
  for (let off: usize = 0; off < nb; off += 16) {
    const valid = i32x4.lt_s(lane, cnt);
    const y = yb ? v128.load(yb + off) : i32x4.splat(-1);
    // pass 1: max, logit of the label, argmax
    let m = v128.load(out + off);
    let zy = v128.and(m, i32x4.eq(y, i32x4.splat(0)));
    let arg = i32x4.splat(0);
    for (let c = 1; c < C; c++) {
      const z = v128.load(out + <usize>c * stride + off);
      const gt = f32x4.gt(z, m);
      m = f32x4.max(m, z);
      arg = v128.bitselect(i32x4.splat(c), arg, gt);
      zy = v128.bitselect(z, zy, i32x4.eq(y, i32x4.splat(c)));
    }
    // pass 2: exponentials and their sum
    let s = splat(0);
    for (let c = 0; c < C; c++) {
      const q = out + <usize>c * stride + off;
      const e = exp4(f32x4.sub(v128.load(q), m));
      v128.store(q, e);
      s = f32x4.add(s, e);
    }
    // pass 3: probabilities and output deltas
    for (let c = 0; c < C; c++) {
      const q = out + <usize>c * stride + off;
      const p = f32x4.div(v128.load(q), s);
      v128.store(q, p);
      if (train) {
        const onehot = v128.and(kv(K_ONE), i32x4.eq(y, i32x4.splat(c)));
        const d = f32x4.mul(f32x4.sub(p, onehot), inv);
        v128.store(dout + <usize>c * stride + off, v128.and(d, valid));
      }
    }
    if (yb) {
      const l = v128.and(f32x4.sub(f32x4.add(log4(s), m), zy), valid);
      lossLo = f64x2.add(lossLo, f64x2.promote_low_f32x4(l));
      lossHi = f64x2.add(lossHi, f64x2.promote_low_f32x4(v128.shuffle<f32>(l, l, 2, 3, 2, 3)));
      hits = i32x4.sub(hits, v128.and(valid, i32x4.eq(arg, y)));
    }
    lane = i32x4.add(lane, i32x4.splat(4));
  }
  lastCorrect = i32x4.extract_lane(hits, 0) + i32x4.extract_lane(hits, 1) +
    i32x4.extract_lane(hits, 2) + i32x4.extract_lane(hits, 3);
  const t = f64x2.add(lossLo, lossHi);
  return f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** g[0..3] = sum over lanes of a * d_t, rows d_t = d + t*stride. */
function dot4(g: usize, a: usize, d: usize, stride: usize, nb: usize): void {
  let c0 = splat(0), c1 = splat(0), c2 = splat(0), c3 = splat(0);
  const d1 = d + stride, d2 = d + 2 * stride, d3 = d + 3 * stride;
  for (let off: usize = 0; off < nb; off += 16) {
    const av = v128.load(a + off);
    c0 = f32x4.add(c0, f32x4.mul(av, v128.load(d + off)));
    c1 = f32x4.add(c1, f32x4.mul(av, v128.load(d1 + off)));
    c2 = f32x4.add(c2, f32x4.mul(av, v128.load(d2 + off)));
    c3 = f32x4.add(c3, f32x4.mul(av, v128.load(d3 + off)));
  }
  store<f32>(g, hsum(c0));
  store<f32>(g + 4, hsum(c1));
  store<f32>(g + 8, hsum(c2));
  store<f32>(g + 12, hsum(c3));
}

/** Two rows of a (a, a + stride) against four rows of d: g and g + gRow get 4 sums each. */
function dot2x4(g: usize, gRow: usize, a: usize, d: usize, stride: usize, nb: usize): void {
  let c0 = splat(0), c1 = splat(0), c2 = splat(0), c3 = splat(0);
  let e0 = splat(0), e1 = splat(0), e2 = splat(0), e3 = splat(0);
  const a1 = a + stride;
  const d1 = d + stride, d2 = d + 2 * stride, d3 = d + 3 * stride;
  for (let off: usize = 0; off < nb; off += 16) {
    const av = v128.load(a + off), bv = v128.load(a1 + off);
    const x0 = v128.load(d + off), x1 = v128.load(d1 + off);
    const x2 = v128.load(d2 + off), x3 = v128.load(d3 + off);
    c0 = mad(av, x0, c0);
    c1 = mad(av, x1, c1);
    c2 = mad(av, x2, c2);
    c3 = mad(av, x3, c3);
    e0 = mad(bv, x0, e0);
    e1 = mad(bv, x1, e1);
    e2 = mad(bv, x2, e2);
    e3 = mad(bv, x3, e3);
  }
  store<f32>(g, hsum(c0));
  store<f32>(g + 4, hsum(c1));
  store<f32>(g + 8, hsum(c2));
  store<f32>(g + 12, hsum(c3));
  store<f32>(g + gRow, hsum(e0));
  store<f32>(g + gRow + 4, hsum(e1));
  store<f32>(g + gRow + 8, hsum(e2));
  store<f32>(g + gRow + 12, hsum(e3));
}

/** Two rows of a against two rows of d. */
function dot2x2(g: usize, gRow: usize, a: usize, d: usize, stride: usize, nb: usize): void {
  let c0 = splat(0), c1 = splat(0), e0 = splat(0), e1 = splat(0);
  const a1 = a + stride, d1 = d + stride;
  for (let off: usize = 0; off < nb; off += 16) {
    const av = v128.load(a + off), bv = v128.load(a1 + off);
    const x0 = v128.load(d + off), x1 = v128.load(d1 + off);
    c0 = mad(av, x0, c0);
    c1 = mad(av, x1, c1);
    e0 = mad(bv, x0, e0);
    e1 = mad(bv, x1, e1);
  }
  store<f32>(g, hsum(c0));
  store<f32>(g + 4, hsum(c1));
  store<f32>(g + gRow, hsum(e0));
  store<f32>(g + gRow + 4, hsum(e1));
}

/** Two rows of a against one row of d. */
function dot2x1(g: usize, gRow: usize, a: usize, d: usize, stride: usize, nb: usize): void {
  let c0 = splat(0), e0 = splat(0);
  const a1 = a + stride;
  for (let off: usize = 0; off < nb; off += 16) {
    const x0 = v128.load(d + off);
    c0 = mad(v128.load(a + off), x0, c0);
    e0 = mad(v128.load(a1 + off), x0, e0);
  }
  store<f32>(g, hsum(c0));
  store<f32>(g + gRow, hsum(e0));
}

function dot2(g: usize, a: usize, d: usize, stride: usize, nb: usize): void {
  let c0 = splat(0), c1 = splat(0);
  const d1 = d + stride;
  for (let off: usize = 0; off < nb; off += 16) {
    const av = v128.load(a + off);
    c0 = f32x4.add(c0, f32x4.mul(av, v128.load(d + off)));
    c1 = f32x4.add(c1, f32x4.mul(av, v128.load(d1 + off)));
  }
  store<f32>(g, hsum(c0));
  store<f32>(g + 4, hsum(c1));
}

function dot1(g: usize, a: usize, d: usize, nb: usize): void {
  let c0 = splat(0);
  for (let off: usize = 0; off < nb; off += 16) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load(a + off), v128.load(d + off)));
  }
  store<f32>(g, hsum(c0));
}

function rowSum(g: usize, d: usize, nb: usize): void {
  let c0 = splat(0);
  for (let off: usize = 0; off < nb; off += 16) c0 = f32x4.add(c0, v128.load(d + off));
  store<f32>(g, hsum(c0));
}

/**
 * Gradient of the batch loss into G (same layout as P) from the output delta
 * written by `softmaxLoss`, propagating deltas down to layer 1.
 */
export function backward(plan: usize, P: usize, G: usize, count: i32): void {
  const L = pl(plan, 0);
  const stride = <usize>pl(plan, 1) << 2;
  const act = pl(plan, 2);
  const nb = laneBytes(count);
  for (let k = L - 1; k >= 0; k--) {
    const nin = size(plan, k), nout = size(plan, k + 1);
    const ain = aPtr(plan, k), dout = dPtr(plan, k + 1);
    const gW = G + wOff(plan, k), gb = G + bOff(plan, k);
    const gRow = <usize>nout << 2;
    let i = 0;
    for (; i + 2 <= nin; i += 2) {
      const a = ain + <usize>i * stride;
      const g = gW + (<usize>(i * nout) << 2);
      let j = 0;
      for (; j + 4 <= nout; j += 4) {
        dot2x4(g + (<usize>j << 2), gRow, a, dout + <usize>j * stride, stride, nb);
      }
      if (j + 2 <= nout) {
        dot2x2(g + (<usize>j << 2), gRow, a, dout + <usize>j * stride, stride, nb);
        j += 2;
      }
      if (j < nout) dot2x1(g + (<usize>j << 2), gRow, a, dout + <usize>j * stride, stride, nb);
    }
    if (i < nin) {
      const a = ain + <usize>i * stride;
      const g = gW + (<usize>(i * nout) << 2);
      let j = 0;
      for (; j + 4 <= nout; j += 4) dot4(g + (<usize>j << 2), a, dout + <usize>j * stride, stride, nb);
      if (j + 2 <= nout) {
        dot2(g + (<usize>j << 2), a, dout + <usize>j * stride, stride, nb);
        j += 2;
      }
      if (j < nout) dot1(g + (<usize>j << 2), a, dout + <usize>j * stride, nb);
    }
    for (let j = 0; j < nout; j++) rowSum(gb + (<usize>j << 2), dout + <usize>j * stride, nb);
    if (k > 0) {
      const W = P + wOff(plan, k);
      const din = dPtr(plan, k);
      const wRow = <usize>nout << 2;
      let i = 0;
      for (; i + 2 <= nin; i += 2) {
        const o = din + <usize>i * stride;
        combine2(o, splat(0), splat(0), dout, stride, W + <usize>i * wRow, 4, wRow, nout, nb);
        scaleByDerivative(o, ain + <usize>i * stride, nb, act);
        scaleByDerivative(o + stride, ain + <usize>(i + 1) * stride, nb, act);
      }
      if (i < nin) {
        const o = din + <usize>i * stride;
        combine(o, true, splat(0), dout, stride, W + <usize>i * wRow, 4, nout, nb);
        scaleByDerivative(o, ain + <usize>i * stride, nb, act);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// optimisers (n a multiple of 4; PyTorch's single-tensor Adam step order)

/**
 * m = m*b1 + (1-b1) g; v = v*b2 + (1-b2) g g; p += (-stepSize * m) / (sqrt(v) / bc2sqrt + eps).
 */
export function adam(P: usize, G: usize, M: usize, V: usize, n: i32, b1: f32, b2: f32, negStep: f32, bc2sqrt: f32, eps: f32): void {
  const vb1 = splat(b1), vb2 = splat(b2), ob1 = splat(1 - b1), ob2 = splat(1 - b2);
  const ns = splat(negStep), bc = splat(bc2sqrt), ve = splat(eps);
  for (let i = 0; i < n; i += 4) {
    const off = <usize>i << 2;
    const g = v128.load(G + off);
    const m = f32x4.add(f32x4.mul(v128.load(M + off), vb1), f32x4.mul(ob1, g));
    const v = f32x4.add(f32x4.mul(v128.load(V + off), vb2), f32x4.mul(f32x4.mul(ob2, g), g));
    v128.store(M + off, m);
    v128.store(V + off, v);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(v), bc), ve);
    v128.store(P + off, f32x4.add(v128.load(P + off), f32x4.div(f32x4.mul(ns, m), denom)));
  }
}

/** p -= lr * g. */
export function sgd(P: usize, G: usize, n: i32, lr: f32): void {
  const vl = splat(lr);
  for (let i = 0; i < n; i += 4) {
    const off = <usize>i << 2;
    v128.store(P + off, f32x4.sub(v128.load(P + off), f32x4.mul(vl, v128.load(G + off))));
  }
}

// ---------------------------------------------------------------------------
// data movement

/**
 * Fills a layer buffer (feature-major, `stride` floats per unit) from rows of
 * a row-major float matrix x [rows, cols]: lane r takes row idx[start + r]
 * (or start + r when idx is 0); labels y (or 0) go to yb. Padded lanes up to
 * the next multiple of 8 get zeros.
 */
export function gather(x: usize, y: usize, idx: usize, start: i32, count: i32, cols: i32, dst: usize, stride: i32, yb: usize): void {
  const lanes = (count + 7) & ~7;
  const sb = <usize>stride << 2;
  for (let r = 0; r < count; r++) {
    const row = idx ? load<i32>(idx + (<usize>(start + r) << 2)) : start + r;
    const src = x + (<usize>(row * cols) << 2);
    const d = dst + (<usize>r << 2);
    for (let c = 0; c < cols; c++) store<f32>(d + <usize>c * sb, load<f32>(src + (<usize>c << 2)));
    if (yb) store<i32>(yb + (<usize>r << 2), y ? load<i32>(y + (<usize>row << 2)) : -1);
  }
  for (let r = count; r < lanes; r++) {
    const d = dst + (<usize>r << 2);
    for (let c = 0; c < cols; c++) store<f32>(d + <usize>c * sb, 0);
    if (yb) store<i32>(yb + (<usize>r << 2), -1);
  }
}

/** Writes `count` lanes of a layer buffer row-major into out [count, units] at row `row0`. */
export function scatter(src: usize, units: i32, stride: i32, count: i32, out: usize, row0: i32): void {
  const sb = <usize>stride << 2;
  for (let r = 0; r < count; r++) {
    const o = out + (<usize>((row0 + r) * units) << 2);
    const s = src + (<usize>r << 2);
    for (let u = 0; u < units; u++) store<f32>(o + (<usize>u << 2), load<f32>(s + <usize>u * sb));
  }
}

/** First free byte after the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
