import assert from "node:assert/strict";
import { createRng } from "../core/rng.ts";
import { betaSolver, ibProblem } from "../plugins/ib/beta_solver.ts";
import type { Clusters } from "../plugins/ib/clusters.ts";
import { extrapolateClusters } from "../plugins/ib/continuation.ts";
import { ibCurve } from "../plugins/ib/curve.ts";
import { groupJoint, type IbJoint, jointFromTable } from "../plugins/ib/joint.ts";
import { newtonSolver } from "../plugins/ib/newton_solver.ts";

const log2 = (v: number) => Math.log(v) / Math.LN2;
const h2 = (p: number) => -(p * log2(p) + (1 - p) * log2(1 - p));
const kl2 = (a: number, b: number) => a * Math.log(a / b) + (1 - a) * Math.log((1 - a) / (1 - b));

/**
 * Soft labels of the bench's stress case: p(y=1|x) = sigmoid(gamma (f(x) - median) / sd(f))
 * for a random linear f of the `bits` bits of x; all 2^bits rows differ.
 */
function stressJoint(bits: number, seed: number, gamma: number): IbJoint {
  const n = 2 ** bits;
  const rng = createRng(seed, "ib-bench");
  const w = Array.from({ length: bits }, () => rng.normal());
  const f = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    for (let i = 0; i < bits; i++) if ((x >> (bits - 1 - i)) & 1) f[x] += w[i];
  }
  const theta = [...f].sort((a, b) => a - b)[n / 2];
  const mean = f.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(f.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  const pyx = new Float64Array(2 * n);
  for (let x = 0; x < n; x++) {
    const p = 1 / (1 + Math.exp((-gamma * (f[x] - theta)) / sd));
    pyx[2 * x] = 1 - p;
    pyx[2 * x + 1] = p;
  }
  return { px: new Float64Array(n).fill(1 / n), pyx, nx: n, ny: 2 };
}

Deno.test("two mirrored inputs: the closed-form fixed point at every beta, (0, 0) below 1/(2a-1)^2", () => {
  // p(x) = 1/2 each, p(y=1|x) = a and 1 - a. By symmetry p(t) = 1/2 and
  // p(t2|x1) = p(t1|x2) = e, p(y=1|t1) = r = (1 - e) a + e (1 - a), and the encoder equation
  // e = 1 / (1 + exp(beta (KL(a || 1 - r) - KL(a || r)))) has a root e < 1/2 exactly
  // when beta > 1 / rho^2 = 1 / (2a - 1)^2. Then I(X;T) = 1 - h(e), I(T;Y) = 1 - h(r).
  const a = 0.8;
  const betaC = 1 / (2 * a - 1) ** 2; // 2.78
  const joint = jointFromTable([0.5 * (1 - a), 0.5 * a, 0.5 * a, 0.5 * (1 - a)], 2, 2);
  const betas = [1.5, 2.5, 3.1, 4, 6, 10, 25, 80];
  const c = ibCurve(joint, { method: "split", betas, tol: 1e-13, maxIter: 100000 });
  for (const p of c.points) {
    if (p.beta < betaC) {
      assert.ok(p.ixt < 1e-12 && p.ity < 1e-12, `beta ${p.beta}: ${p.ixt}`);
      continue;
    }
    const f = (e: number) => {
      const r = (1 - e) * a + e * (1 - a);
      return 1 / (1 + Math.exp(p.beta * (kl2(a, 1 - r) - kl2(a, r)))) - e;
    };
    let lo = 0, hi = 0.5 - 1e-6; // f(lo) > 0 > f(hi)
    assert.ok(f(lo) > 0 && f(hi) < 0);
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (f(mid) > 0) lo = mid;
      else hi = mid;
    }
    const e = (lo + hi) / 2;
    const r = (1 - e) * a + e * (1 - a);
    assert.ok(Math.abs(p.ixt - (1 - h2(e))) < 1e-9, `beta ${p.beta}: ${p.ixt} vs ${1 - h2(e)}`);
    assert.ok(Math.abs(p.ity - (1 - h2(r))) < 1e-9, `beta ${p.beta}: ${p.ity} vs ${1 - h2(r)}`);
    assert.equal(p.clusters, 2);
  }
});

Deno.test("Newton solver: a fixed point of the plain update, the plain solver's from the same start", () => {
  const rng = createRng(5, "ib-newton");
  const nx = 12;
  const table = new Float64Array(nx * 2);
  for (let i = 0; i < table.length; i++) table[i] = 0.05 + rng.next();
  const p = ibProblem(groupJoint(jointFromTable(table, nx, 2)));
  const plain = betaSolver(p);
  const newton = newtonSolver(p, betaSolver(p));
  // three clusters around low, middle and high p(y=1|x)
  const start: Clusters = {
    k: 3,
    pt: new Float64Array([0.3, 0.4, 0.3]),
    rnum: new Float64Array([0.3 * 0.7, 0.3 * 0.3, 0.2, 0.2, 0.3 * 0.3, 0.3 * 0.7]),
  };
  const o = { tol: 1e-13, maxIter: 200000, mergeTol: 1e-3, dropTol: 1e-14, accelerate: true };
  for (const beta of [8, 30]) {
    const a = newton.solve(beta, start, o);
    const b = plain.solve(beta, start, o);
    assert.ok(a.converged && b.converged);
    assert.equal(a.clusters.k, b.clusters.k);
    // one more plain update leaves the solution where it is
    const again = plain.stats(plain.encode(beta, a.clusters), a.clusters.k);
    for (let t = 0; t < a.clusters.k; t++) {
      assert.ok(Math.abs(again.pt[t] - a.clusters.pt[t]) < 1e-11);
      assert.ok(Math.abs(again.rnum[2 * t + 1] - a.clusters.rnum[2 * t + 1]) < 1e-11);
      // same clusters (in the same order) as the plain solver's
      assert.ok(Math.abs(a.clusters.pt[t] - b.clusters.pt[t]) < 1e-9, `beta ${beta} t ${t}`);
      const ra = a.clusters.rnum[2 * t + 1] / a.clusters.pt[t];
      const rb = b.clusters.rnum[2 * t + 1] / b.clusters.pt[t];
      assert.ok(Math.abs(ra - rb) < 1e-9);
    }
  }
});

Deno.test("256 distinct soft rows: Newton split equals the plain split (1e-6 bits) or is lower", () => {
  for (const [seed, gamma] of [[1, 5], [2, 5]]) {
    const joint = stressJoint(8, seed, gamma);
    const fast = ibCurve(joint, { method: "split" });
    const plain = ibCurve(joint, { method: "split", newton: false });
    assert.equal(fast.groups, 256);
    let same = 0;
    for (let i = 0; i < fast.points.length; i++) {
      const p = fast.points[i];
      const q = plain.points[i];
      assert.equal(p.beta, q.beta);
      assert.ok(p.converged, `seed ${seed} beta ${p.beta}: capped`);
      if (!q.converged) continue;
      const lp = p.ixt - p.beta * p.ity;
      const lq = q.ixt - q.beta * q.ity;
      const where = `seed ${seed} beta ${p.beta}`;
      assert.ok(lp <= lq + 1e-9, `${where}: Lagrangian ${lp} > ${lq}`);
      if (lp > lq - 1e-9) {
        assert.ok(Math.abs(p.ixt - q.ixt) <= 1e-6, `${where}: I(X;T) ${p.ixt} vs ${q.ixt}`);
        assert.ok(Math.abs(p.ity - q.ity) <= 1e-6, `${where}: I(T;Y) ${p.ity} vs ${q.ity}`);
        same++;
      }
    }
    assert.ok(same >= 80, `seed ${seed}: only ${same} of 86 on the same branch`);
    const count = (c: typeof fast) => c.points.reduce((s, p) => s + p.iterations, 0);
    // fewer encoder updates (here 4896 vs 18801 and 4648 vs 11214)
    assert.ok(
      3 * count(fast) < 2 * count(plain),
      `seed ${seed}: ${count(fast)} vs ${count(plain)}`,
    );
  }
});

Deno.test("continuation: exact on a path linear in the log parameters; no prediction across a change", () => {
  // log p(t) and log p(y|t) linear in s; normalised at every s
  const at = (s: number): Clusters => {
    const lp = [0.2 * s, -0.1 * s];
    const z = Math.exp(lp[0]) + Math.exp(lp[1]);
    const pt = new Float64Array(lp.map((v) => Math.exp(v) / z));
    const rnum = new Float64Array(4);
    for (let t = 0; t < 2; t++) {
      const lr = [0.15 * s * (t + 1), -0.05 * s];
      const zr = Math.exp(lr[0]) + Math.exp(lr[1]);
      for (let y = 0; y < 2; y++) rnum[t * 2 + y] = pt[t] * Math.exp(lr[y]) / zr;
    }
    return { k: 2, pt, rnum };
  };
  const pred = extrapolateClusters(at(1), at(1.5), 2, 1);
  const want = at(2);
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(pred.pt[i] - want.pt[i]) < 1e-14);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(pred.rnum[i] - want.rnum[i]) < 1e-14);
  // half a step ahead: at(1.75)
  const half = extrapolateClusters(at(1), at(1.5), 2, 0.5);
  assert.ok(Math.abs(half.pt[0] - at(1.75).pt[0]) < 1e-14);
  // a different cluster count, or a jump of more than half a nat: the last solution itself
  const three: Clusters = { k: 3, pt: new Float64Array(3).fill(1 / 3), rnum: new Float64Array(6) };
  const b = at(1);
  assert.equal(extrapolateClusters(three, b, 2, 1), b);
  const far = at(10);
  assert.equal(extrapolateClusters(at(0), far, 2, 1), far);
});

Deno.test("unequal p(x) and an input of mass 0: Newton split equals the plain split, no NaN", () => {
  const rng = createRng(9, "ib-newton-mass");
  const nx = 40;
  const px = new Float64Array(nx);
  const pyx = new Float64Array(2 * nx);
  for (let x = 0; x < nx; x++) {
    px[x] = x === 7 ? 0 : rng.next() + 0.1;
    const s = 0.02 + 0.96 * rng.next();
    pyx[2 * x] = 1 - s;
    pyx[2 * x + 1] = s;
  }
  const total = px.reduce((a, b) => a + b, 0);
  for (let x = 0; x < nx; x++) px[x] /= total;
  const joint = { px, pyx, nx, ny: 2 };
  const fast = ibCurve(joint, { method: "split", keepEncoders: true });
  const plain = ibCurve(joint, { method: "split", newton: false });
  for (let i = 0; i < fast.points.length; i++) {
    const p = fast.points[i];
    const q = plain.points[i];
    for (const v of p.encoder!.vals) assert.ok(Number.isFinite(v));
    assert.ok(p.converged);
    if (!q.converged) continue;
    const lp = p.ixt - p.beta * p.ity;
    const lq = q.ixt - q.beta * q.ity;
    assert.ok(lp <= lq + 1e-9, `beta ${p.beta}: ${lp} > ${lq}`);
    if (lp > lq - 1e-9) {
      assert.ok(
        Math.abs(p.ixt - q.ixt) <= 1e-6 && Math.abs(p.ity - q.ity) <= 1e-6,
        `beta ${p.beta}`,
      );
    }
  }
  assert.ok(fast.points[0].ixt > 1, `top I(X;T) ${fast.points[0].ixt}`);
});

Deno.test("method auto: split for many distinct binary soft rows (the same curve), merge for pooled labels", () => {
  const joint = stressJoint(8, 3, 5);
  const auto = ibCurve(joint);
  const split = ibCurve(joint, { method: "split" });
  assert.equal(auto.method, "split");
  assert.deepEqual(
    auto.points.map((p) => [p.beta, p.ixt, p.ity]),
    split.points.map((p) => [p.beta, p.ixt, p.ity]),
  );
  // hard binary labels pool into 2 groups: merge, and the curve min(I(X;T), H(Y)) ends at H(Y) = 1 bit
  const n = 16;
  const pxy = new Float64Array(2 * n);
  for (let x = 0; x < n; x++) pxy[2 * x + (x % 2)] = 1 / n;
  const hard = ibCurve(jointFromTable(pxy, n, 2, "hard"));
  assert.equal(hard.method, "merge");
  assert.equal(hard.groups, 2);
  assert.ok(Math.abs(hard.ixy - 1) < 1e-12);
});
