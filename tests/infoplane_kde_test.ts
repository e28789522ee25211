/**
 * KDE bounds of docs/methods.md section 3 (Kolchinsky & Tracey; [Saxe]): closed
 * forms on clusters of identical points, a direct O(N^2) double loop with
 * Math.exp and no tricks (symmetry, class order, cut-off, fast exp, weighted
 * identical rows, SIMD), for both pair kernels and any block size; layers
 * full of repeated rows; the values of the untrained 12-bit layer that the
 * float64 numpy peer (bench/peer_mi.py) confirmed; the row grouping; and the
 * fast exp itself.
 */
import assert from "node:assert/strict";
import { createRng } from "../core/rng.ts";
import { EXP_NEG_MAX, expNeg } from "../plugins/infoplane/exp_neg.ts";
import { tishby12Arrays } from "../core/data/tishby12.ts";
import { initDense } from "../core/model/init.ts";
import { groupRows } from "../plugins/infoplane/distinct_rows.ts";
import { kdeMi } from "../plugins/infoplane/kde_mi.ts";
import { kdeSimdAvailable } from "../plugins/infoplane/kde_pairs.ts";

/** The formulas of docs/methods.md section 3 summed pair by pair; bits. */
function direct(h: Float32Array, P: number, d: number, y: Int32Array, s2: number) {
  const lnMeanK = (i: number, scale: number, cls: number | undefined) => {
    let sum = 0, count = 0;
    for (let j = 0; j < P; j++) {
      if (cls !== undefined && y[j] !== cls) continue;
      let dist = 0;
      for (let k = 0; k < d; k++) dist += (h[i * d + k] - h[j * d + k]) ** 2;
      sum += Math.exp(-dist / scale);
      count++;
    }
    return Math.log(sum / count);
  };
  let up = 0, low = 0, upC = 0, lowC = 0;
  for (let i = 0; i < P; i++) {
    const a2 = lnMeanK(i, 2 * s2, undefined), a8 = lnMeanK(i, 8 * s2, undefined);
    up -= a2;
    low -= a8;
    upC += lnMeanK(i, 2 * s2, y[i]) - a2;
    lowC += lnMeanK(i, 8 * s2, y[i]) - a8;
  }
  const b = P * Math.LN2;
  return { ixtUpper: up / b, ixtLower: low / b, ityUpper: upC / b, ityLower: lowC / b };
}

function close(a: number, b: number, tol: number, what: string) {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
}

Deno.test("k far-apart clusters of identical points: I_up(X;T) = log2 k; I(T;Y) = log2 k or 0", () => {
  for (const k of [2, 3, 5, 8]) {
    const per = 8, d = 3, P = k * per;
    const h = new Float32Array(P * d), y = new Int32Array(P), mixed = new Int32Array(P);
    for (let i = 0; i < P; i++) {
      const c = Math.floor(i / per);
      h[i * d + (c % d)] = 100 * (1 + Math.floor(c / d)); // clusters >= 100 apart
      y[i] = c;
      mixed[i] = i % 2; // labels unrelated to the clusters, balanced in each
    }
    const r = kdeMi(h, P, d, y, k, 0.1, 4);
    close(r.ixtUpper, Math.log2(k), 1e-12, `k=${k} ixt upper`);
    close(r.ixtLower, Math.log2(k), 1e-12, `k=${k} ixt lower`);
    close(r.ityUpper, Math.log2(k), 1e-12, `k=${k} ity upper`);
    close(r.ityLower, Math.log2(k), 1e-12, `k=${k} ity lower`);
    // labels half and half inside every cluster carry nothing about the cluster
    const m = kdeMi(h, P, d, mixed, 2, 0.1, 64);
    close(m.ixtUpper, Math.log2(k), 1e-12, `k=${k} mixed ixt upper`);
    close(m.ityUpper, 0, 1e-12, `k=${k} mixed ity upper`);
    close(m.ityLower, 0, 1e-12, `k=${k} mixed ity lower`);
  }
});

Deno.test("all points identical: every bound is 0", () => {
  const P = 40, d = 4;
  const h = new Float32Array(P * d).fill(0.37);
  const y = new Int32Array(P).map((_, i) => i % 3);
  const r = kdeMi(h, P, d, y, 3, 0.05, 16);
  for (const v of Object.values(r)) close(v, 0, 1e-12, "identical points");
});

Deno.test("kdeMi equals the direct double loop on N = 50 to 1e-9, for any block size", () => {
  const rng = createRng(3, "kde-test");
  for (const [d, s2, C] of [[10, 0.1, 2], [3, 1e-3, 3], [1, 0.05, 2], [7, 2, 4]] as const) {
    const P = 50;
    const h = new Float32Array(P * d).map(() => Math.tanh(rng.normal()));
    const y = new Int32Array(P).map(() => rng.int(C));
    const want = direct(h, P, d, y, s2);
    for (const block of [1, 7, 64]) {
      for (const kernel of ["simd", "js"] as const) {
        const got = kdeMi(h, P, d, y, C, s2, block, kernel);
        for (const key of Object.keys(want) as (keyof typeof want)[]) {
          close(got[key], want[key], 1e-9, `d=${d} s2=${s2} block=${block} ${kernel} ${key}`);
        }
      }
    }
    // the bounds are ordered and within [0, log2 P]
    assert.ok(want.ixtLower <= want.ixtUpper + 1e-12 && want.ixtUpper <= Math.log2(P) + 1e-12);
  }
});

Deno.test("the SIMD kernel runs here, and agrees with the TypeScript one to 1e-12 for 1..13 dims", () => {
  assert.ok(kdeSimdAvailable());
  const rng = createRng(5, "kde-kernels");
  for (let d = 1; d <= 13; d++) {
    const P = 97 + d; // odd and even sizes, class ranges starting at odd offsets
    const h = new Float32Array(P * d).map(() => Math.tanh(1.5 * rng.normal()));
    const y = new Int32Array(P).map(() => rng.int(3));
    const a = kdeMi(h, P, d, y, 3, 0.07, 9, "simd");
    const b = kdeMi(h, P, d, y, 3, 0.07, 9, "js");
    for (const key of Object.keys(a) as (keyof typeof a)[]) {
      close(a[key], b[key], 1e-12, `d=${d} ${key}`);
    }
  }
});

Deno.test("repeated rows (saturated layers) give the direct double loop's bounds to 1e-9", () => {
  const rng = createRng(11, "kde-repeats");
  for (const [d, distinct] of [[3, 5], [2, 40], [6, 1], [4, 300]] as const) {
    const P = 600;
    const pool = new Float32Array(distinct * d).map(() => rng.int(2) * 2 - 1 + 0.01 * rng.int(3));
    const h = new Float32Array(P * d);
    for (let i = 0; i < P; i++) {
      const r = rng.int(distinct);
      h.set(pool.subarray(r * d, (r + 1) * d), i * d);
    }
    const y = new Int32Array(P).map(() => rng.int(2)); // a row often carries both labels
    const groups = groupRows(h, P, d, y);
    assert.ok(groups.count <= 2 * distinct, `${groups.count} groups from ${distinct} rows`);
    const want = direct(h, P, d, y, 0.1);
    for (const kernel of ["simd", "js"] as const) {
      const got = kdeMi(h, P, d, y, 2, 0.1, 64, kernel);
      for (const key of Object.keys(want) as (keyof typeof want)[]) {
        close(got[key], want[key], 1e-9, `d=${d} distinct=${distinct} ${kernel} ${key}`);
      }
    }
  }
});

Deno.test("untrained 12-bit layer, N = 4096: the values the float64 numpy peer gave, to 1e-9", () => {
  const N = 4096, D = 10;
  const { x, y } = tishby12Arrays();
  const { w, b } = initDense(0, [12, D], "reference");
  // h = tanh(x W + b), entry by entry (the layer bench/mi_kde.ts times)
  const h = Float32Array.from({ length: N * D }, (_, t) => {
    const i = Math.floor(t / D), j = t % D;
    let s = b[0][j];
    for (let k = 0; k < 12; k++) s += x[i * 12 + k] * w[0][k * D + j];
    return Math.tanh(s);
  });
  // bench/mi_kde.ts --seed 0: numpy (dense distance matrix, logsumexp, float64) agreed to 7e-15
  const want = {
    ixtUpper: 6.5497099071274585,
    ixtLower: 2.5378750567131774,
    ityUpper: 0.3113992374639486,
    ityLower: 0.14648547001844262,
  };
  const got = kdeMi(h, N, D, y, 2, 0.1, 64);
  for (const key of Object.keys(want) as (keyof typeof want)[]) {
    close(got[key], want[key], 1e-9, key);
  }
});

Deno.test("groupRows: bit-identical rows with the same label form one group", () => {
  const h = new Float32Array([1, 2, 1, 2, 1, 2, 0, -0, 0, 0, 3, 4, 1, 2]);
  const y = new Int32Array([0, 0, 1, 0, 0, 0, 0]);
  const g = groupRows(h, 7, 2, y);
  assert.equal(g.count, 5);
  assert.deepEqual([...g.first], [0, 2, 3, 4, 5]);
  assert.deepEqual([...g.label], [0, 1, 0, 0, 0]);
  assert.deepEqual([...g.size], [3, 1, 1, 1, 1]); // rows 0, 1, 6; -0 differs from 0 in its bits
});

Deno.test("expNeg: exp(-x) to 1e-14 relative on [0, 40]", () => {
  let worst = 0;
  for (let i = 0; i <= 100000; i++) {
    const x = (EXP_NEG_MAX * i) / 100000;
    worst = Math.max(worst, Math.abs(expNeg(x) / Math.exp(-x) - 1));
  }
  assert.ok(worst < 1e-14, `worst relative error ${worst}`);
  assert.equal(expNeg(0), 1);
});
