/**
 * The pieces under the nearest-neighbour estimators: digamma against known
 * values and identities, and the max-norm k-d tree against a brute-force
 * scan (random data with many exact ties, several dimensions and leaf
 * sizes), plus the rank transform.
 */
import assert from "node:assert/strict";
import { createRng } from "../core/rng.ts";
import { digamma, EULER_GAMMA } from "../plugins/infoplane/digamma.ts";
import { buildKdTree, countCloser, kthNeighbourDistance } from "../plugins/infoplane/kdtree.ts";
import { rankColumns } from "../plugins/infoplane/rank_transform.ts";

function close(a: number, b: number, tol: number, what: string) {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
}

Deno.test("digamma: psi(1) = -gamma, psi(1/2) = -gamma - 2 ln 2, recurrence, harmonic sums", () => {
  close(digamma(1), -EULER_GAMMA, 4e-15, "psi(1)");
  close(digamma(0.5), -EULER_GAMMA - 2 * Math.LN2, 1e-14, "psi(1/2)");
  // psi(n + 1) = H_n - gamma, the harmonic sum added term by term
  let h = 0;
  for (let n = 1; n <= 5000; n++) {
    h += 1 / n;
    if (n <= 30 || n % 997 === 0) close(digamma(n + 1), h - EULER_GAMMA, 2e-13, `psi(${n + 1})`);
  }
  for (const x of [0.01, 0.3, 1.7, 9.99, 10, 10.5, 123.4, 1e6]) {
    close(digamma(x + 1) - digamma(x), 1 / x, 1e-12 * Math.max(1, 1 / x), `recurrence at ${x}`);
  }
  close(digamma(2.5), 0.7031566406452432, 1e-14, "psi(2.5) (tables)");
  assert.ok(Number.isNaN(digamma(0)) && Number.isNaN(digamma(-1)));
});

/** Brute force: k-th nearest other point and strict counts, max-norm. */
function brute(pts: Float64Array, n: number, d: number, i: number, k: number) {
  const dist: number[] = [];
  for (let j = 0; j < n; j++) {
    if (j === i) continue;
    let m = 0;
    for (let c = 0; c < d; c++) m = Math.max(m, Math.abs(pts[j * d + c] - pts[i * d + c]));
    dist.push(m);
  }
  dist.sort((a, b) => a - b);
  return {
    kth: dist[k - 1],
    closer: (r: number) => (r > 0 ? 1 + dist.filter((v) => v < r).length : 0),
  };
}

Deno.test("k-d tree: k-th neighbour and strict counts equal a brute-force scan, ties included", () => {
  const rng = createRng(3, "kdtree");
  for (
    const [n, d, leaf] of [[300, 1, 4], [400, 2, 12], [500, 5, 32], [257, 10, 1], [64, 3, 100]]
  ) {
    const pts = new Float64Array(n * d);
    // coarse values: many exact ties and duplicate rows
    for (let i = 0; i < n * d; i++) pts[i] = Math.round(rng.normal() * 3) / 2;
    for (let i = 0; i < 20; i++) pts.copyWithin(i * d, (i + 1) * d, (i + 2) * d);
    const t = buildKdTree(pts, n, d, leaf);
    for (let i = 0; i < n; i += 7) {
      for (const k of [1, 3, 10]) {
        const b = brute(pts, n, d, i, k);
        const kth = kthNeighbourDistance(t, i, k);
        assert.equal(kth, b.kth, `n ${n} d ${d} leaf ${leaf} i ${i} k ${k}`);
        for (const r of [kth, kth + 0.25, 0.5, 0]) {
          assert.equal(countCloser(t, i, r), b.closer(r), `count n ${n} d ${d} i ${i} r ${r}`);
        }
      }
    }
  }
  assert.throws(() => kthNeighbourDistance(buildKdTree([1, 2], 2, 1), 0, 2), RangeError);
});

Deno.test("k-d tree: all points equal is one leaf; distances are 0", () => {
  const t = buildKdTree(new Float64Array(200).fill(1.5), 100, 2, 4);
  assert.equal(t.left[0], -1);
  assert.equal(kthNeighbourDistance(t, 5, 3), 0);
  assert.equal(countCloser(t, 5, 0), 0);
  assert.equal(countCloser(t, 5, 1e-9), 100);
});

Deno.test("rank transform: column ranks with ties sharing the lowest rank", () => {
  assert.deepEqual(
    Array.from(rankColumns(new Float64Array([10, 1, 5, 1, 7, 0, 5, 2]), 4, 2)),
    [3, 1, 0, 1, 2, 0, 0, 3],
  );
});
