import assert from "node:assert/strict";
import { createRng } from "../core/rng.ts";
import { referenceBetas } from "../plugins/ib/beta_grid.ts";
import { layerConsistency } from "../plugins/ib/consistency.ts";
import { denseEncoder, ibCurve } from "../plugins/ib/curve.ts";
import { groupJoint, type IbJoint, jointFromLabels, jointFromTable } from "../plugins/ib/joint.ts";

function randomJoint(seed: number, nx: number, ny: number): IbJoint {
  const rng = createRng(seed, "ib-consistency");
  const t = new Float64Array(nx * ny);
  for (let i = 0; i < t.length; i++) t[i] = -Math.log(1 - rng.next()) + 1e-3;
  return jointFromTable(t, nx, ny);
}

/**
 * Direct E_x KL[delta(t = ids[x]) || p_beta(t|x)] in bits, per input, no pooling:
 * p_beta(t|x) = p(t) exp(-beta KL[p(y|x) || p(y|t)]) / Z(x).
 */
function naiveKl(joint: IbJoint, ids: Int32Array, K: number, beta: number) {
  const { px, pyx, nx, ny } = joint;
  const pt = new Float64Array(K);
  const pyt = new Float64Array(K * ny);
  for (let x = 0; x < nx; x++) {
    pt[ids[x]] += px[x];
    for (let y = 0; y < ny; y++) pyt[ids[x] * ny + y] += px[x] * pyx[x * ny + y];
  }
  const D = (x: number, t: number) => {
    let d = 0;
    for (let y = 0; y < ny; y++) {
      const p = pyx[x * ny + y];
      if (p > 0) d += p * Math.log(p / (pyt[t * ny + y] / pt[t]));
    }
    return d;
  };
  let kl = 0;
  let dbar = 0;
  let dmodel = 0;
  for (let x = 0; x < nx; x++) {
    const w = Array.from(
      { length: K },
      (_, t) => (pt[t] > 0 ? pt[t] * Math.exp(-beta * D(x, t)) : 0),
    );
    const z = w.reduce((s, v) => s + v, 0);
    kl += px[x] * -Math.log(w[ids[x]] / z);
    dbar += px[x] * D(x, ids[x]);
    for (let t = 0; t < K; t++) if (w[t] > 0) dmodel += px[x] * (w[t] / z) * D(x, t);
  }
  return { kl: kl / Math.LN2, dbar, dmodel };
}

Deno.test("closed form KL(beta) matches the direct per-input computation", () => {
  for (let seed = 1; seed <= 4; seed++) {
    const joint = randomJoint(seed, 12, 3);
    const rng = createRng(seed, "ids");
    const K = 5;
    const ids = new Int32Array(12).map((_, i) => (i < K ? i : rng.int(K)));
    const betas = referenceBetas(0.5, 50, 0.25);
    const fit = layerConsistency(groupJoint(joint), { kind: "ids", ids, clusters: K }, betas);
    for (let i = 0; i < betas.length; i++) {
      const direct = naiveKl(joint, ids, K, betas[i]).kl;
      assert.ok(Math.abs(fit.kl[i] - direct) < 1e-10, `seed ${seed} beta ${betas[i]}`);
    }
    // beta* is the grid argmin of the direct values.
    let arg = 0;
    for (let i = 1; i < betas.length; i++) {
      if (naiveKl(joint, ids, K, betas[i]).kl < naiveKl(joint, ids, K, betas[arg]).kl) arg = i;
    }
    assert.equal(fit.starIndex, arg);
    assert.equal(fit.betaStar, betas[arg]);
  }
});

Deno.test("beta* is the moment-matching root: mean distortion = model's mean distortion", () => {
  for (let seed = 5; seed <= 8; seed++) {
    const joint = randomJoint(seed, 16, 2);
    const rng = createRng(seed, "ids");
    const ids = new Int32Array(16).map((_, i) => (i < 4 ? i : rng.int(4)));
    const betas = referenceBetas();
    const fit = layerConsistency(groupJoint(joint), { kind: "ids", ids, clusters: 4 }, betas);
    // d KL / d beta = dbar - E_model[D]; find its root by bisection in log beta.
    const slope = (b: number) => {
      const r = naiveKl(joint, ids, 4, b);
      return r.dbar - r.dmodel;
    };
    let lo = Math.log(0.8);
    let hi = Math.log(300);
    if (slope(Math.exp(lo)) >= 0) {
      assert.equal(fit.betaStar, betas[0]);
      continue;
    }
    if (slope(Math.exp(hi)) <= 0) {
      assert.equal(fit.betaStar, betas[betas.length - 1]);
      continue;
    }
    for (let k = 0; k < 60; k++) {
      const mid = (lo + hi) / 2;
      if (slope(Math.exp(mid)) < 0) lo = mid;
      else hi = mid;
    }
    const root = Math.exp(lo);
    assert.ok(
      Math.abs(Math.log2(fit.betaStar / root)) <= 0.1 + 1e-9,
      `seed ${seed}: beta* ${fit.betaStar} vs root ${root}`,
    );
  }
});

Deno.test("an encoder that is IB-optimal at some beta is recognised: beta* there, KL ~ 0", () => {
  const joint = randomJoint(21, 6, 3);
  const curve = ibCurve(joint, { keepEncoders: true, tol: 1e-12, maxIter: 100000 });
  const betas = curve.points.map((p) => p.beta);
  const grouped = groupJoint(joint);
  let tested = 0;
  for (let k = 0; k < curve.points.length; k += 7) {
    const p = curve.points[k];
    if (p.clusters < 2 || !p.converged) continue;
    const enc = p.encoder!;
    const fit = layerConsistency(grouped, {
      kind: "soft",
      p: denseEncoder(curve, enc),
      clusters: enc.clusters,
    }, betas);
    assert.ok(fit.klStar < 1e-6, `point ${k}: KL* ${fit.klStar}`);
    assert.ok(fit.kl[k] < 1e-6);
    // Where the residual visibly rises on both sides, beta* is within one grid step of the
    // encoder's beta; where it is flat to rounding (a nearly hard encoder at a large beta),
    // every beta from beta* to the encoder's is a tie.
    const lo = Math.min(fit.starIndex, k);
    const hi = Math.max(fit.starIndex, k);
    if (k > 0 && k < betas.length - 1 && fit.kl[k - 1] > 1e-9 && fit.kl[k + 1] > 1e-9) {
      assert.ok(hi - lo <= 1, `point ${k}: beta* index ${fit.starIndex}`);
    } else {
      for (let i = lo; i <= hi; i++) assert.ok(fit.kl[i] < 1e-9, `point ${k}: ${i} is no tie`);
    }
    // Away from its beta the residual is clearly positive.
    const far = k < betas.length / 2 ? betas.length - 1 : 0;
    assert.ok(fit.kl[far] > 1e-3, `point ${k}: KL at beta ${betas[far]} is ${fit.kl[far]}`);
    // Its point is the curve's point.
    assert.ok(Math.abs(fit.ixt - p.ixt) < 1e-9 && Math.abs(fit.ity - p.ity) < 1e-9);
    tested++;
  }
  assert.ok(tested >= 5, `only ${tested} nontrivial points`);
});

Deno.test("ternary search over the grid gives the full scan's beta*", () => {
  for (let seed = 30; seed < 40; seed++) {
    const joint = randomJoint(seed, 20, 3);
    const rng = createRng(seed, "ids");
    const K = 2 + (seed % 5);
    const ids = new Int32Array(20).map((_, i) => (i < K ? i : rng.int(K)));
    const g = groupJoint(joint);
    const betas = referenceBetas();
    const full = layerConsistency(g, { kind: "ids", ids, clusters: K }, betas);
    const fast = layerConsistency(g, { kind: "ids", ids, clusters: K }, betas, 0);
    assert.equal(fast.starIndex, full.starIndex);
    assert.ok(fast.kl.some((v) => Number.isNaN(v)), "the search skipped some betas");
  }
});

Deno.test("hard labels: a pure layer has constant KL = H(T) - H(Y) bits; a mixed one a finite beta*", () => {
  // 8 inputs, labels 0,0,0,1,1,1,1,0; layer clusters {0,1} {2,7} {3,4} {5,6}: all pure.
  const labels = new Int32Array([0, 0, 0, 1, 1, 1, 1, 0]);
  const joint = groupJoint(jointFromLabels(labels, 2));
  const betas = referenceBetas();
  const pure = layerConsistency(joint, {
    kind: "ids",
    ids: new Int32Array([0, 0, 1, 2, 2, 3, 3, 1]),
    clusters: 4,
  }, betas);
  assert.ok(Math.abs(pure.ixt - 2) < 1e-12);
  assert.ok(Math.abs(pure.ity - 1) < 1e-12);
  for (const v of pure.kl) assert.ok(Math.abs(v - 1) < 1e-9);
  // Flat everywhere: beta* is the smallest beta by the tie rule, the range the whole grid.
  assert.equal(pure.betaStar, betas[0]);
  assert.equal(pure.betaStarLo, betas[0]);
  assert.equal(pure.betaStarHi, betas[betas.length - 1]);
  // Mixed clusters {0,1,3} {2,4} {5,6,7}: decoders p(y=1|t) = 1/3, 1/2, 2/3.
  const mixed = layerConsistency(joint, {
    kind: "ids",
    ids: new Int32Array([0, 0, 1, 0, 1, 2, 2, 2]),
    clusters: 3,
  }, betas);
  assert.ok(mixed.starIndex > 0 && mixed.starIndex < betas.length - 1, `${mixed.betaStar}`);
  for (const v of mixed.kl) assert.ok(Number.isFinite(v) && v >= 0);
  // A visible minimum: with flatTol 0 the range is beta* alone.
  const strict = layerConsistency(
    joint,
    {
      kind: "ids",
      ids: new Int32Array([0, 0, 1, 0, 1, 2, 2, 2]),
      clusters: 3,
    },
    betas,
    undefined,
    0,
  );
  assert.equal(strict.betaStarLo, mixed.betaStar);
  assert.equal(strict.betaStarHi, mixed.betaStar);
  assert.ok(mixed.kl[0] > mixed.klStar + 1e-3 && mixed.kl[betas.length - 1] > mixed.klStar + 1e-3);
  // Clusters whose decoders all equal p(y): the IB update cannot tell them apart at any
  // beta, KL = H(T) = 1.5 bits everywhere, and the tie goes to the smallest beta.
  const blind = layerConsistency(joint, {
    kind: "ids",
    ids: new Int32Array([0, 1, 2, 0, 1, 2, 2, 2]),
    clusters: 3,
  }, betas);
  for (const v of blind.kl) assert.ok(Math.abs(v - 1.5) < 1e-12);
  assert.equal(blind.starIndex, 0);
});

Deno.test("beta* range: the grid betas whose direct KL is within flatTol of the minimum", () => {
  let widened = 0;
  for (let seed = 50; seed < 56; seed++) {
    const joint = randomJoint(seed, 14, 2 + (seed % 2));
    const rng = createRng(seed, "ids");
    const K = 3 + (seed % 3);
    const ids = new Int32Array(14).map((_, i) => (i < K ? i : rng.int(K)));
    const g = groupJoint(joint);
    const betas = referenceBetas();
    const direct = betas.map((b) => naiveKl(joint, ids, K, b).kl);
    const min = Math.min(...direct);
    for (const tol of [1e-6, 1e-3, 0.05]) {
      // The direct set, with a margin for the two computations' rounding (1e-10 bits).
      const inside = betas.filter((_, i) => direct[i] <= min + tol - 1e-10);
      const maybe = betas.filter((_, i) => direct[i] <= min + tol + 1e-10);
      for (const limit of [2e7, 0]) {
        const fit = layerConsistency(g, { kind: "ids", ids, clusters: K }, betas, limit, tol);
        assert.ok(fit.betaStarLo <= fit.betaStar && fit.betaStar <= fit.betaStarHi);
        assert.ok(fit.betaStarLo <= Math.min(...inside) && fit.betaStarLo >= Math.min(...maybe));
        assert.ok(fit.betaStarHi >= Math.max(...inside) && fit.betaStarHi <= Math.max(...maybe));
        if (tol === 0.05 && fit.betaStarHi > fit.betaStarLo) widened++;
      }
    }
  }
  assert.ok(widened > 0, "no case where the range is wider than one beta");
});
