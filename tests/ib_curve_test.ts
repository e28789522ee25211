import assert from "node:assert/strict";
import { createRng } from "../core/rng.ts";
import { referenceBetas } from "../plugins/ib/beta_grid.ts";
import { splitModes } from "../plugins/ib/cluster_split.ts";
import { betaSolver, ibProblem } from "../plugins/ib/beta_solver.ts";
import { denseEncoder, ibCurve } from "../plugins/ib/curve.ts";
import { concaveEnvelope, envelopeAt } from "../plugins/ib/envelope.ts";
import { groupJoint, type IbJoint, jointFromLabels, jointFromTable } from "../plugins/ib/joint.ts";

/** A random joint with strictly positive entries (rows of p(y|x) from a Dirichlet(1)). */
function randomJoint(seed: number, nx: number, ny: number): IbJoint {
  const rng = createRng(seed, "ib-joint");
  const table = new Float64Array(nx * ny);
  for (let i = 0; i < table.length; i++) table[i] = -Math.log(1 - rng.next()) + 1e-3;
  return jointFromTable(table, nx, ny);
}

function entropyBits(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) h -= p[i] * Math.log2(p[i]);
  return h;
}

/** I(X;T) and I(T;Y) in bits of a dense encoder (nx x K) on a joint, computed directly. */
function infoOf(joint: IbJoint, enc: Float64Array, K: number): { ixt: number; ity: number } {
  const { px, pyx, nx, ny } = joint;
  const pt = new Float64Array(K);
  const pty = new Float64Array(K * ny);
  const py = new Float64Array(ny);
  let ixt = 0;
  for (let x = 0; x < nx; x++) {
    for (let y = 0; y < ny; y++) py[y] += px[x] * pyx[x * ny + y];
    for (let t = 0; t < K; t++) {
      pt[t] += px[x] * enc[x * K + t];
      for (let y = 0; y < ny; y++) pty[t * ny + y] += px[x] * enc[x * K + t] * pyx[x * ny + y];
    }
  }
  for (let x = 0; x < nx; x++) {
    for (let t = 0; t < K; t++) {
      const v = enc[x * K + t];
      if (v > 0) ixt += px[x] * v * Math.log2(v / pt[t]);
    }
  }
  let ity = 0;
  for (let t = 0; t < K; t++) {
    for (let y = 0; y < ny; y++) {
      const v = pty[t * ny + y];
      if (v > 0) ity += v * Math.log2(v / (pt[t] * py[y]));
    }
  }
  return { ixt, ity };
}

Deno.test("reference beta grid: 86 values from 0.8 in log2 steps of 0.1, below 300", () => {
  const b = referenceBetas();
  assert.equal(b.length, 86);
  assert.equal(b[0], 0.8);
  assert.ok(Math.abs(b[85] - 0.8 * 2 ** 8.5) < 1e-9);
  assert.ok(b[85] < 300);
  for (let i = 1; i < b.length; i++) assert.ok(Math.abs(Math.log2(b[i] / b[i - 1]) - 0.1) < 1e-12);
});

Deno.test("Y = X: (H, H) for beta > 1, (0, 0) below (closed form), envelope min(r, H)", () => {
  for (const px of [[0.25, 0.25, 0.25, 0.25], [0.3, 0.2, 0.15, 0.1, 0.1, 0.07, 0.05, 0.03]]) {
    const n = px.length;
    const pyx = new Float64Array(n * n);
    for (let x = 0; x < n; x++) pyx[x * n + x] = 1;
    for (const method of ["merge", "split"] as const) {
      const c = ibCurve({ px: Float64Array.from(px), pyx, nx: n, ny: n }, { method });
      const h = entropyBits(px);
      assert.ok(Math.abs(c.hy - h) < 1e-12 && Math.abs(c.ixy - h) < 1e-12);
      for (const p of c.points) {
        // I(T;Y) = I(X;T) for every encoder, so the Lagrangian is (1 - beta) I(X;T).
        const want = p.beta < 1 ? 0 : h;
        assert.ok(Math.abs(p.ixt - want) < 1e-9, `${method} beta ${p.beta}: ${p.ixt} vs ${want}`);
        assert.ok(Math.abs(p.ity - want) < 1e-9);
        assert.ok(p.converged);
      }
    }
    const c = ibCurve({ px: Float64Array.from(px), pyx, nx: n, ny: n });
    const h = entropyBits(px);
    const env = concaveEnvelope(c.points.map((p) => p.ixt), c.points.map((p) => p.ity));
    for (const r of [0, 0.3, h / 2, h - 1e-3, h, h + 1, 12]) {
      assert.ok(Math.abs(envelopeAt(env, r) - Math.min(r, h)) < 1e-9);
    }
  }
});

Deno.test("independent X and Y: the curve is flat at 0", () => {
  const row = [0.2, 0.5, 0.3];
  const nx = 5;
  const pyx = new Float64Array(nx * 3);
  for (let x = 0; x < nx; x++) pyx.set(row, x * 3);
  const px = new Float64Array([0.1, 0.2, 0.3, 0.25, 0.15]);
  const c = ibCurve({ px, pyx, nx, ny: 3 });
  assert.equal(c.groups, 1);
  assert.ok(Math.abs(c.ixy) < 1e-12);
  for (const p of c.points) {
    assert.ok(Math.abs(p.ixt) < 1e-12 && Math.abs(p.ity) < 1e-12);
  }
});

Deno.test("random joints: bounds, monotone, concave, slope 1/beta, first transition at 1/rho^2", () => {
  for (let seed = 1; seed <= 10; seed++) {
    const joint = randomJoint(seed, 6, seed % 2 ? 2 : 3);
    const c = ibCurve(joint, { method: seed <= 5 ? "merge" : "split" });
    const pts = c.points; // descending beta = descending I(X;T)
    for (const p of pts) {
      assert.ok(p.ity <= Math.min(p.ixt, c.ixy) + 1e-9, `seed ${seed} beta ${p.beta}`);
      assert.ok(p.ixt >= -1e-12 && p.ity >= -1e-12);
    }
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1]; // larger beta
      const b = pts[i];
      assert.ok(b.ixt <= a.ixt + 1e-7, `seed ${seed}: I(X;T) grows with beta`);
      assert.ok(b.ity <= a.ity + 1e-7, `seed ${seed}: I(T;Y) grows with beta`);
      const dx = a.ixt - b.ixt;
      if (dx > 1e-4 && a.converged && b.converged) {
        // Concavity: the chord between the points lies between the tangent slopes 1/beta.
        const slope = (a.ity - b.ity) / dx;
        assert.ok(slope >= 1 / a.beta - 1e-3, `seed ${seed}: chord ${slope} < 1/${a.beta}`);
        assert.ok(slope <= 1 / b.beta + 1e-3, `seed ${seed}: chord ${slope} > 1/${b.beta}`);
      }
    }
    if (joint.ny === 2) {
      // For binary Y, rho^2 (maximal correlation squared) = chi^2(p(x,y) || p(x)p(y)).
      const py = [0, 1].map((y) => joint.px.reduce((s, p, x) => s + p * joint.pyx[x * 2 + y], 0));
      let chi2 = -1;
      for (let x = 0; x < joint.nx; x++) {
        for (let y = 0; y < 2; y++) chi2 += joint.px[x] * joint.pyx[x * 2 + y] ** 2 / py[y];
      }
      const betaC = 1 / chi2;
      for (const p of pts) {
        if (p.beta < betaC / 1.05) {
          assert.ok(p.ixt < 1e-6, `seed ${seed}: beta ${p.beta} < ${betaC}`);
        }
        if (p.beta > betaC * 1.05) {
          assert.ok(p.ixt > 1e-4, `seed ${seed}: beta ${p.beta} > ${betaC}`);
        }
      }
    }
  }
});

Deno.test("brute force on X = 3, Y = 2, T = 2: the annealed Lagrangian is the minimum", () => {
  const joint = jointFromTable([0.3, 0.05, 0.1, 0.15, 0.02, 0.38], 3, 2);
  const targets = [1.6, 2.5, 4, 8];
  const betas = [...referenceBetas(1, 64, 0.25), ...targets];
  // merge (the default) and split (Newton steps: the rows of p(y|x) are soft and binary)
  const curves = (["merge", "split"] as const).map((method) =>
    ibCurve(joint, { betas, keepEncoders: true, tol: 1e-10, maxIter: 20000, method })
  );
  const { px, pyx } = joint;
  const lagrangian = (a: number[], beta: number) => {
    const enc = new Float64Array(6);
    for (let x = 0; x < 3; x++) {
      enc[x * 2] = a[x];
      enc[x * 2 + 1] = 1 - a[x];
    }
    const { ixt, ity } = infoOf({ px, pyx, nx: 3, ny: 2 }, enc, 2);
    return ixt - beta * ity;
  };
  for (const beta of targets) {
    // Grid search over p(t = 0 | x) in steps of 0.02, then a finer grid around the best.
    let best = [0, 0, 0];
    let bestL = Infinity;
    const scan = (centre: number[], half: number, step: number) => {
      const c0 = [...centre];
      for (let i = -half; i <= half; i++) {
        for (let j = -half; j <= half; j++) {
          for (let k = -half; k <= half; k++) {
            const a = [c0[0] + i * step, c0[1] + j * step, c0[2] + k * step];
            if (a.some((v) => v < 0 || v > 1)) continue;
            const l = lagrangian(a, beta);
            if (l < bestL) {
              bestL = l;
              best = a;
            }
          }
        }
      }
    };
    scan([0.5, 0.5, 0.5], 25, 0.02);
    scan(best, 20, 0.001);
    scan(best, 20, 0.0001);
    for (const c of curves) {
      const p = c.points.find((q) => q.beta === beta)!;
      const annealed = p.ixt - beta * p.ity;
      assert.ok(annealed <= bestL + 1e-6, `beta ${beta}: annealed ${annealed} > brute ${bestL}`);
      if (p.clusters <= 2) {
        assert.ok(Math.abs(annealed - bestL) < 1e-6, `beta ${beta}: ${annealed} vs ${bestL}`);
      }
      // The kept encoder reproduces the reported information values.
      const enc = denseEncoder(c, p.encoder!);
      const direct = infoOf(joint, enc, p.encoder!.clusters);
      assert.ok(Math.abs(direct.ixt - p.ixt) < 1e-9 && Math.abs(direct.ity - p.ity) < 1e-9);
    }
  }
});

/** Plain Blahut-Arimoto, dense, identity start over all inputs, no merging: a second implementation. */
function naiveCurve(joint: IbJoint, betas: number[], tol: number, maxIter: number) {
  const { px, pyx, nx, ny } = joint;
  const K = nx;
  let enc = new Float64Array(nx * K);
  for (let x = 0; x < nx; x++) enc[x * K + x] = 1;
  const out: { beta: number; ixt: number; ity: number }[] = [];
  for (const beta of [...betas].sort((a, b) => b - a)) {
    for (let it = 0; it < maxIter; it++) {
      const pt = new Float64Array(K);
      const pyt = new Float64Array(K * ny);
      for (let x = 0; x < nx; x++) {
        for (let t = 0; t < K; t++) {
          pt[t] += px[x] * enc[x * K + t];
          for (let y = 0; y < ny; y++) pyt[t * ny + y] += px[x] * enc[x * K + t] * pyx[x * ny + y];
        }
      }
      const next = new Float64Array(nx * K);
      for (let x = 0; x < nx; x++) {
        const logits = new Float64Array(K).fill(-Infinity);
        for (let t = 0; t < K; t++) {
          if (pt[t] === 0) continue;
          let kl = 0;
          for (let y = 0; y < ny; y++) {
            const p = pyx[x * ny + y];
            if (p > 0) kl += p * Math.log(p / (pyt[t * ny + y] / pt[t]));
          }
          logits[t] = Math.log(pt[t]) - beta * kl;
        }
        const m = Math.max(...logits);
        let z = 0;
        for (let t = 0; t < K; t++) z += Math.exp(logits[t] - m);
        for (let t = 0; t < K; t++) next[x * K + t] = Math.exp(logits[t] - m) / z;
      }
      let delta = 0;
      for (let i = 0; i < next.length; i++) delta = Math.max(delta, Math.abs(next[i] - enc[i]));
      enc = next;
      if (delta < tol) break;
    }
    out.push({ beta, ...infoOf(joint, enc, K) });
  }
  return out;
}

Deno.test("pooling, merging, sparsity and acceleration agree with plain dense iteration", () => {
  // 8 inputs, 4 distinct rows of p(y|x) (pairs share a row), unequal p(x).
  const base = randomJoint(11, 4, 3);
  const nx = 8;
  const px = new Float64Array(nx);
  const pyx = new Float64Array(nx * 3);
  for (let x = 0; x < nx; x++) {
    const src = x % 4;
    px[x] = base.px[src] * (x < 4 ? 0.3 : 0.7);
    pyx.set(base.pyx.subarray(src * 3, src * 3 + 3), x * 3);
  }
  const joint = { px, pyx, nx, ny: 3 };
  assert.equal(groupJoint(joint).groups, 4);
  const betas = [40, 20, 10, 6, 4, 3, 2.5];
  const fast = ibCurve(joint, { betas, tol: 1e-11, maxIter: 50000, method: "merge" });
  const slow = naiveCurve(joint, betas, 1e-12, 50000);
  for (let i = 0; i < betas.length; i++) {
    assert.equal(fast.points[i].beta, slow[i].beta);
    assert.ok(
      Math.abs(fast.points[i].ixt - slow[i].ixt) < 1e-5,
      `beta ${slow[i].beta}: I(X;T) ${fast.points[i].ixt} vs ${slow[i].ixt}`,
    );
    assert.ok(Math.abs(fast.points[i].ity - slow[i].ity) < 1e-5);
  }
});

Deno.test("hard labels: one group per class; the closed form min(I(X;T), H(Y)) at every beta", () => {
  const labels = new Int32Array([0, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 1]);
  const hy = entropyBits([5 / 12, 7 / 12]);
  for (const method of ["merge", "split"] as const) {
    const hard = ibCurve(jointFromLabels(labels, 2), { method });
    assert.equal(hard.groups, 2);
    for (const p of hard.points) {
      // Lagrangian over the curve r -> min(r, H): min over r of r - beta min(r, H) is at
      // r = 0 for beta < 1 and at r = H for beta > 1.
      const r = p.beta < 1 ? 0 : hy;
      assert.ok(
        Math.abs(p.ixt - r) < 1e-12,
        `${method} beta ${p.beta}: I(X;T) ${p.ixt}, want ${r}`,
      );
      assert.ok(Math.abs(p.ity - Math.min(r, hy)) < 1e-12);
      assert.equal(p.clusters, r === 0 ? 1 : 2);
    }
    assert.ok(hard.points.some((p) => p.beta < 1) && hard.points.some((p) => p.beta > 1));
  }
  const soft = ibCurve(jointFromLabels(labels, 2, 0.2));
  // Top of the curve: T = the class, I(X;T) = H(Y); I(T;Y) = I(X;Y) of the noisy labels.
  const top = soft.points[0];
  assert.ok(Math.abs(top.ixt - hy) < 1e-6);
  assert.ok(Math.abs(top.ity - soft.ixy) < 1e-6);
  assert.ok(soft.ixy < hy);
  assert.ok(Math.abs(soft.points[soft.points.length - 1].ixt) < 1e-12);
});

Deno.test("trivial encoder kept: its encoder is one column and reproduces (0, 0)", () => {
  const labels = new Int32Array([0, 1, 1, 0, 1]);
  const joint = jointFromLabels(labels, 2);
  const c = ibCurve(joint, { betas: [0.5, 2], keepEncoders: true });
  const low = c.points.find((p) => p.beta === 0.5)!;
  const enc = denseEncoder(c, low.encoder!);
  assert.deepEqual([...enc], [1, 1, 1, 1, 1]);
  const direct = infoOf(joint, enc, 1);
  assert.ok(Math.abs(direct.ixt) < 1e-15 && Math.abs(direct.ity) < 1e-15);
});

Deno.test("split modes: one cluster's lambda is rho^2 of the joint (binary: chi^2; Y = 3: SVD)", () => {
  for (let seed = 1; seed <= 4; seed++) {
    const ny = seed % 2 ? 2 : 3;
    const joint = randomJoint(40 + seed, 7, ny);
    const p = ibProblem(groupJoint(joint));
    const solver = betaSolver(p);
    const one = { k: 1, pt: new Float64Array([1]), rnum: p.py.slice() };
    const modes = splitModes(p, solver.encode(1, one), one);
    // rho^2 = second largest eigenvalue of Q^T Q, Q[x][y] = p(x, y) / sqrt(p(x) p(y)),
    // computed here from the dense joint by power iteration with the top vector removed.
    const { px, pyx, nx } = joint;
    const q = (x: number, y: number) => px[x] * pyx[x * ny + y] / Math.sqrt(px[x] * p.py[y]);
    const m = new Float64Array(ny * ny);
    for (let a = 0; a < ny; a++) {
      for (let b = 0; b < ny; b++) for (let x = 0; x < nx; x++) m[a * ny + b] += q(x, a) * q(x, b);
    }
    const s = Array.from(p.py, Math.sqrt);
    for (let a = 0; a < ny; a++) for (let b = 0; b < ny; b++) m[a * ny + b] -= s[a] * s[b];
    let v = Array.from({ length: ny }, (_, i) => i + 1);
    let lam = 0;
    for (let it = 0; it < 2000; it++) {
      const w = v.map((_, a) => v.reduce((acc, vb, b) => acc + m[a * ny + b] * vb, 0));
      const norm = Math.hypot(...w);
      lam = norm / Math.hypot(...v);
      v = w.map((x) => x / norm);
    }
    assert.ok(Math.abs(modes.lambda[0] - lam) < 1e-9, `seed ${seed}: ${modes.lambda[0]} vs ${lam}`);
  }
});

Deno.test("split annealing (up, back down): never above merge's Lagrangian; same points where equal", () => {
  let same = 0;
  for (let seed = 1; seed <= 4; seed++) {
    const joint = randomJoint(60 + seed, 4 + 2 * seed, 2 + (seed % 3));
    const o = { tol: 1e-10, maxIter: 100000 };
    const a = ibCurve(joint, { ...o, method: "split" });
    const b = ibCurve(joint, { ...o, method: "merge" });
    for (let i = 0; i < a.points.length; i++) {
      const p = a.points[i];
      const q = b.points[i];
      assert.equal(p.beta, q.beta);
      if (!p.converged || !q.converged) continue;
      const lp = p.ixt - p.beta * p.ity;
      const lq = q.ixt - q.beta * q.ity;
      // Never above the trivial encoder; split never above merge; where the Lagrangians
      // agree, so do the points.
      assert.ok(lp <= 1e-12 && lq <= 1e-12);
      assert.ok(lp <= lq + 1e-9, `seed ${seed} beta ${p.beta}: split ${lp} > merge ${lq}`);
      if (Math.abs(lp - lq) < 1e-9) {
        assert.ok(
          Math.abs(p.ixt - q.ixt) < 1e-6,
          `seed ${seed} beta ${p.beta}: ${p.ixt} vs ${q.ixt}`,
        );
        assert.ok(Math.abs(p.ity - q.ity) < 1e-6);
        same++;
      }
    }
  }
  assert.ok(same >= 200, `only ${same} shared points`);
});

Deno.test("no NaN: zero entries, zero-mass inputs, a cluster that empties", () => {
  // Input 2 has p(x) = 0; rows with zeros; Y has a class nobody has.
  const px = new Float64Array([0.5, 0.5, 0]);
  const pyx = new Float64Array([1, 0, 0, 0.5, 0.5, 0, 0, 0, 1]);
  const c = ibCurve({ px, pyx, nx: 3, ny: 3 }, { keepEncoders: true });
  for (const p of c.points) {
    assert.ok(Number.isFinite(p.ixt) && Number.isFinite(p.ity));
    for (const v of p.encoder!.vals) assert.ok(Number.isFinite(v));
  }
  assert.ok(c.points.some((p) => p.clusters < 3));
});
