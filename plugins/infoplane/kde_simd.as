// AssemblyScript source of the KDE pair kernel (WebAssembly, 128-bit SIMD, float64,
// two pairs per instruction). Build: deno run -A plugins/infoplane/kde_build.ts
// (writes kde_simd_wasm.ts, the bytes as base64). The extension is .as so that
// Deno's fmt/lint/check leave this file alone.
//
// Memory (byte addresses chosen by the host, kde_kernel.ts):
//   cm       float64 [cols][P]  the points column-major (+ 2 pad values after the last column)
//   w        float64 [P + 2]    their weights (pad 0)
//   col2/8   float64 [P + 2]    running sums kept per class of the row i (pad unused)
//   out      float64 [2]        acc2, acc8 of the last call
//   table    float64 [>= 1849]  2^(-k/32), written by the host
//   scratch  float64 [chunk]    squared distances of one chunk of j (chunk even)
//
// pairs(i, j0, j1, ...) adds, for every j in [j0, j1), with D = ||x_i - x_j||^2 and
// e8 = exp(-D c8) (0 when D > limit), e2 = e8^4:
//   out = [sum_j w_j e2, sum_j w_j e8], col2[j] += w_i e2, col8[j] += w_i e8.
// Lanes run in pairs from an even j; a lane outside [j0, j1) gets e8 = 0 (it may read
// one value past P, the pad, and adds 0 to it).
// exp(-x) for x in [0, 40] as exp_neg.ts: x = k ln2/32 - q, 2^(-k/32) from the table
// times the degree-6 Taylor polynomial of exp(q), |q| <= ln2/64 (relative error < 1e-14).

const SCALE: f64 = 32.0 / 0.6931471805599453;
const STEP: f64 = 0.6931471805599453 / 32.0;

// exp(q) for |q| <= ln2 / 64: Taylor polynomial of degree 6 (truncation < 1e-17)
@inline function poly(q: v128): v128 {
  let p = f64x2.splat(1.0 / 720.0);
  p = f64x2.add(f64x2.mul(p, q), f64x2.splat(1.0 / 120.0));
  p = f64x2.add(f64x2.mul(p, q), f64x2.splat(1.0 / 24.0));
  p = f64x2.add(f64x2.mul(p, q), f64x2.splat(1.0 / 6.0));
  p = f64x2.add(f64x2.mul(p, q), f64x2.splat(0.5));
  p = f64x2.add(f64x2.mul(p, q), f64x2.splat(1.0));
  p = f64x2.add(f64x2.mul(p, q), f64x2.splat(1.0));
  return p;
}


export function pairs(
  i: i32, j0: i32, j1: i32, P: i32, cols: i32,
  cm: usize, w: usize, col2: usize, col8: usize, out: usize, table: usize, scratch: usize, chunk: i32,
  c8: f64, limit: f64, wi: f64,
): void {
  let acc2 = f64x2.splat(0.0), acc8 = f64x2.splat(0.0);
  const vc8 = f64x2.splat(c8), vlimit = f64x2.splat(limit), vwi = f64x2.splat(wi);
  const vscale = f64x2.splat(SCALE), vstep = f64x2.splat(STEP), half = f64x2.splat(0.5);
  const forty = f64x2.splat(40.0);
  const stride = <usize>P << 3;
  // pairs of lanes from an even j: the chunk starts at j0 rounded down and the first
  // lane is masked when j0 is odd; the last pair may reach past j1 and is masked too
  let s2: f64 = 0.0, s8: f64 = 0.0;
  for (let c0 = j0 & ~1; c0 < j1; c0 += chunk) {
    const c1 = min(c0 + chunk, (j1 + 1) & ~1);
    const n = c1 - c0;
    // distances, four columns per pass over the chunk (then two, then one)
    for (let t = 0; t < n; t += 2) v128.store(scratch + (<usize>t << 3), f64x2.splat(0.0));
    let col = cm + (<usize>c0 << 3);
    const iOff = (<usize>(i - c0)) << 3;
    let k = 0;
    for (; k + 4 <= cols; k += 4) {
      const a0 = f64x2.splat(load<f64>(col + iOff));
      const a1 = f64x2.splat(load<f64>(col + stride + iOff));
      const a2 = f64x2.splat(load<f64>(col + 2 * stride + iOff));
      const a3 = f64x2.splat(load<f64>(col + 3 * stride + iOff));
      for (let t = 0; t < n; t += 2) {
        const o = <usize>t << 3;
        const u0 = f64x2.sub(v128.load(col + o), a0);
        const u1 = f64x2.sub(v128.load(col + stride + o), a1);
        const u2 = f64x2.sub(v128.load(col + 2 * stride + o), a2);
        const u3 = f64x2.sub(v128.load(col + 3 * stride + o), a3);
        const sum = f64x2.add(
          f64x2.add(f64x2.mul(u0, u0), f64x2.mul(u1, u1)),
          f64x2.add(f64x2.mul(u2, u2), f64x2.mul(u3, u3)),
        );
        v128.store(scratch + o, f64x2.add(v128.load(scratch + o), sum));
      }
      col += 4 * stride;
    }
    for (; k + 2 <= cols; k += 2) {
      const a0 = f64x2.splat(load<f64>(col + iOff));
      const a1 = f64x2.splat(load<f64>(col + stride + iOff));
      for (let t = 0; t < n; t += 2) {
        const o = <usize>t << 3;
        const u0 = f64x2.sub(v128.load(col + o), a0);
        const u1 = f64x2.sub(v128.load(col + stride + o), a1);
        const sum = f64x2.add(f64x2.mul(u0, u0), f64x2.mul(u1, u1));
        v128.store(scratch + o, f64x2.add(v128.load(scratch + o), sum));
      }
      col += 2 * stride;
    }
    for (; k < cols; k++) {
      const a0 = f64x2.splat(load<f64>(col + iOff));
      for (let t = 0; t < n; t += 2) {
        const o = <usize>t << 3;
        const u0 = f64x2.sub(v128.load(col + o), a0);
        v128.store(scratch + o, f64x2.add(v128.load(scratch + o), f64x2.mul(u0, u0)));
      }
      col += stride;
    }
    for (let t = 0; t < n; t += 2) {
      const j = c0 + t;
      const d = v128.load(scratch + (<usize>t << 3));
      let keep = f64x2.le(d, vlimit);
      if (j < j0) keep = i64x2.replace_lane(keep, 0, 0);
      if (j + 1 >= j1) keep = i64x2.replace_lane(keep, 1, 0);
      const x = f64x2.min(f64x2.mul(d, vc8), forty);
      const kf = f64x2.floor(f64x2.add(f64x2.mul(x, vscale), half));
      const q = f64x2.sub(f64x2.mul(kf, vstep), x);
      const k0 = <usize>(<i32>f64x2.extract_lane(kf, 0));
      const k1 = <usize>(<i32>f64x2.extract_lane(kf, 1));
      let tv = f64x2.splat(load<f64>(table + (k0 << 3)));
      tv = f64x2.replace_lane(tv, 1, load<f64>(table + (k1 << 3)));
      const e8 = v128.and(f64x2.mul(tv, poly(q)), keep);
      const sq = f64x2.mul(e8, e8);
      const e2 = f64x2.mul(sq, sq);
      const wj = v128.load(w + (<usize>j << 3));
      acc8 = f64x2.add(acc8, f64x2.mul(wj, e8));
      acc2 = f64x2.add(acc2, f64x2.mul(wj, e2));
      const p8 = col8 + (<usize>j << 3), p2 = col2 + (<usize>j << 3);
      v128.store(p8, f64x2.add(v128.load(p8), f64x2.mul(vwi, e8)));
      v128.store(p2, f64x2.add(v128.load(p2), f64x2.mul(vwi, e2)));
    }
  }
  s2 = f64x2.extract_lane(acc2, 0) + f64x2.extract_lane(acc2, 1);
  s8 = f64x2.extract_lane(acc8, 0) + f64x2.extract_lane(acc8, 1);
  store<f64>(out, s2);
  store<f64>(out + 8, s8);
}
