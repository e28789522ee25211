/**
 * Known answers for the estimators of `lens mi` (tools/known_mi.ts has the
 * data and the exact values). Tolerances are stated per case; they are
 * about 2-3 times the spread measured over seeds at N = 2000 (k = 3), and
 * the seeds are fixed, so each case is deterministic.
 *
 * - KSG on d = 1, 2, 3 correlated Gaussian pairs: each seed within 0.15
 *   bits of -(d/2) log2(1 - rho^2), the mean of 5 seeds within 0.06.
 * - After monotone maps of every coordinate: with ranks (copula) the
 *   estimate is bit-identical; raw KSG in 1-D stays within 0.06 bits (mean).
 * - Ross on Gaussian class clusters (2 and 3 classes, 1-3 dimensions):
 *   mean of 5 seeds within 0.04 bits of the numerically integrated value.
 * - The reference integration itself converges (2001 vs 20001 nodes).
 * - Binning where it is exact: a quantized layer of the 12-bit task, whose
 *   I(X;T) = H(T) and I(T;Y) are counted here independently (string keys).
 * - The noisy-network estimate on well-separated atoms (log2 P exactly) and
 *   on a two-point mixture integrated numerically.
 */
import assert from "node:assert/strict";
import { createRng } from "../core/rng.ts";
import { tishby12Arrays } from "../core/data/tishby12.ts";
import { initDense } from "../core/model/init.ts";
import { ksgMi } from "../plugins/infoplane/ksg_mi.ts";
import { mutualInformation } from "../plugins/infoplane/mi_arrays.ts";
import { noisyMi } from "../plugins/infoplane/noisy_mi.ts";
import { rossMi } from "../plugins/infoplane/ross_mi.ts";
import {
  classClusters,
  clusterMiBits,
  correlatedGaussians,
  gaussianMiBits,
  monotoneTransform,
} from "../tools/known_mi.ts";

const N = 2000, SEEDS = [0, 1, 2, 3, 4];

function close(a: number, b: number, tol: number, what: string) {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
}
const mean = (v: number[]) => v.reduce((s, a) => s + a, 0) / v.length;

Deno.test("KSG: correlated Gaussians in 1, 2, 3 dimensions (each seed 0.15 bits, mean 0.06)", () => {
  for (const [d, rho] of [[1, 0.5], [1, 0.9], [2, 0.6], [3, 0.5]]) {
    const exact = gaussianMiBits(d, rho);
    const est = SEEDS.map((s) => {
      const p = correlatedGaussians(N, d, rho, s);
      const r = ksgMi(p.x, d, p.y, d, N, 3);
      assert.equal(r.ties, 0);
      close(r.bits, exact, 0.15, `d ${d} rho ${rho} seed ${s}`);
      return r.bits;
    });
    close(mean(est), exact, 0.06, `d ${d} rho ${rho}, mean of ${SEEDS.length} seeds`);
  }
});

Deno.test("KSG: independent variables give about 0 (mean within 0.02 bits)", () => {
  const est = SEEDS.map((s) => {
    const p = correlatedGaussians(N, 2, 0, s);
    return ksgMi(p.x, 2, p.y, 2, N, 3).bits;
  });
  close(mean(est), 0, 0.02, "rho = 0");
});

Deno.test("KSG: monotone maps of each coordinate: ranks bit-identical, raw 1-D within 0.06", () => {
  for (const [d, rho] of [[1, 0.5], [2, 0.6], [3, 0.5]]) {
    const raw: number[] = [];
    for (const s of SEEDS) {
      const p = correlatedGaussians(N, d, rho, s), t = monotoneTransform(p);
      const opt = { estimator: "ksg" as const, ranks: true };
      const a = mutualInformation(
        { data: p.x, rows: N, cols: d },
        { data: p.y, rows: N, cols: d },
        opt,
      );
      const b = mutualInformation(
        { data: t.x, rows: N, cols: d },
        { data: t.y, rows: N, cols: d },
        opt,
      );
      assert.equal(b.bits, a.bits, `ranks, d ${d} seed ${s}`);
      close(a.bits, gaussianMiBits(d, rho), 0.15, `ranks, d ${d} seed ${s}`);
      if (d === 1) raw.push(ksgMi(t.x, 1, t.y, 1, N, 3).bits);
    }
    if (d === 1) close(mean(raw), gaussianMiBits(1, rho), 0.06, "raw KSG after the maps, 1-D");
  }
});

Deno.test("reference integration of the class-cluster MI converges and has the limits", () => {
  close(
    clusterMiBits([0.5, 0.5], [-1, 1], 1, 2001),
    clusterMiBits([0.5, 0.5], [-1, 1], 1),
    1e-9,
    "nodes",
  );
  close(clusterMiBits([0.5, 0.5], [-50, 50], 1), 1, 1e-9, "separated: H(Y) = 1 bit");
  close(clusterMiBits([0.2, 0.3, 0.5], [0, 0, 0], 1), 0, 1e-12, "identical clusters: 0");
});

Deno.test("Ross: Gaussian class clusters against the integrated posterior (mean within 0.04 bits)", () => {
  const cases: [number[], number[], number, number][] = [
    [[0.5, 0.5], [-1, 1], 1, 1],
    [[0.2, 0.3, 0.5], [0, 1.5, 3], 1, 2],
    [[0.5, 0.5], [0, 1], 1, 3],
  ];
  for (const [priors, means, s, d] of cases) {
    const exact = clusterMiBits(priors, means, s);
    const est = SEEDS.map((seed) => {
      const c = classClusters(N, d, priors, means, s, seed);
      return rossMi(c.x, d, c.labels, N, 3).bits;
    });
    close(mean(est), exact, 0.04, `${priors.length} classes in ${d}-d`);
  }
});

Deno.test("Ross: a label that occurs once is dropped; all-equal rows are counted as ties", () => {
  const x = new Float64Array([0, 1, 2, 50, 51, 52, 90]);
  const r = rossMi(x, 1, new Int32Array([0, 0, 0, 1, 1, 1, 2]), 7, 2);
  assert.equal(r.n, 6);
  // k = 2 in each cluster: the end points have d = 2, m = 2; the middle d = 1, m = 1. So
  // I = psi(6) + psi(2) - psi(3) - (2 psi(2) + psi(1)) / 3 = H_5 - 7/6 nats
  close(r.nats, 1 + 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5 - 7 / 6, 1e-13, "hand value");
  const tied = rossMi(
    new Float64Array(8).fill(1),
    1,
    new Int32Array([0, 0, 0, 0, 1, 1, 1, 1]),
    8,
    2,
  );
  assert.equal(tied.ties, 8);
});

/** The 12-bit inputs through one reference-initialised tanh layer, rounded to `step`. */
function quantizedLayer(step: number) {
  const { x, y } = tishby12Arrays();
  const D = 4, p = initDense(1, [12, D], "reference");
  const t = new Float32Array(4096 * D);
  for (let i = 0; i < 4096; i++) {
    for (let j = 0; j < D; j++) {
      let s = p.b[0][j];
      for (let k = 0; k < 12; k++) s += x[i * 12 + k] * p.w[0][k * D + j];
      t[i * D + j] = Math.round(Math.tanh(3 * s) / step) * step;
    }
  }
  return { t, y, D };
}

Deno.test("binned: exact on a quantized layer (counted independently, within 1e-12 bits)", () => {
  const { t, y, D } = quantizedLayer(0.5); // values in {-1, -0.5, 0, 0.5, 1}
  const counts = new Map<string, number[]>();
  for (let i = 0; i < 4096; i++) {
    const key = Array.from(t.subarray(i * D, (i + 1) * D)).join(",");
    const c = counts.get(key) ?? [0, 0];
    c[y[i]]++;
    counts.set(key, c);
  }
  let hT = 0, hTY = 0;
  const py = [0, 0];
  for (const c of counts.values()) {
    const pt = (c[0] + c[1]) / 4096;
    hT -= pt * Math.log2(pt);
    for (const v of c) if (v > 0) hTY -= (v / 4096) * Math.log2(v / 4096);
    py[0] += c[0] / 4096;
    py[1] += c[1] / 4096;
  }
  const hY = -py.reduce((s, p) => s + p * Math.log2(p), 0);
  // 5 edges over [-1, 1] put each of the 5 levels in its own bin
  const layer = { data: t, rows: 4096, cols: D };
  const ity = mutualInformation(layer, { labels: y }, { estimator: "binned", bins: 5 });
  close(ity.bits, hT + hY - hTY, 1e-12, "I(T;Y)");
  const ids = new Int32Array(4096).map((_, i) => i);
  const ixt = mutualInformation(layer, { labels: ids }, { estimator: "binned", bins: 5 });
  close(ixt.bits, hT, 1e-12, "I(X;T) = H(T)");
  assert.ok(counts.size > 20 && counts.size < 4096, `${counts.size} distinct rows`);
});

Deno.test("noisy: separated atoms give log2 P; a two-point mixture matches its integral", () => {
  const P = 8, far = new Float32Array(P * 2).map((_, i) => (i % 2 === 0 ? 40 * (i >> 1) : 0));
  const ids = new Int32Array(P).map((_, i) => i);
  const [sep] = noisyMi(far, P, 2, [ids], 0.5, 4000, createRng(0));
  close(sep.bits, 3, 1e-9, "8 separated atoms");
  // two atoms at -1 and 1 with noise variance 1: I = integral, as for class clusters
  const exact = clusterMiBits([0.5, 0.5], [-1, 1], 1);
  const [two] = noisyMi(
    new Float32Array([-1, 1]),
    2,
    1,
    [new Int32Array([0, 1])],
    1,
    200000,
    createRng(1),
  );
  assert.ok(two.se > 0 && two.se < 0.003, `se ${two.se}`);
  close(two.bits, exact, 4 * two.se, "two atoms, within 4 standard errors");
});
