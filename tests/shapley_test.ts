/**
 * Shapley kernels (plugins/complexity/shapley.ts) on synthetic games with
 * known answers: efficiency, symmetry, null player, hand-checked games,
 * and exact enumeration against permutation sampling.
 */
import assert from "node:assert/strict";
import { createRng } from "../core/rng.ts";
import {
  permutationCoalitions,
  popcount,
  samplePermutations,
  shapleyExact,
  shapleyFromPermutations,
  shapleyWeights,
} from "../plugins/complexity/shapley.ts";

const close = (a: number, b: number, tol = 1e-12, what = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

/** A random game with interactions: v(S) = sum a_i + sum_{i<j} b_ij + c * [|S| >= 3]. */
function randomGame(n: number, seed: number): Float64Array {
  const rng = createRng(seed, "game");
  const a = Array.from({ length: n }, () => rng.normal());
  const b = Array.from({ length: n * n }, () => rng.normal());
  const v = new Float64Array(1 << n);
  for (let m = 0; m < 1 << n; m++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      if (!(m & (1 << i))) continue;
      s += a[i];
      for (let j = i + 1; j < n; j++) if (m & (1 << j)) s += b[i * n + j];
    }
    v[m] = s + (popcount(m) >= 3 ? 1.5 : 0);
  }
  return v;
}

Deno.test("weights: sum over coalition sizes of C(n-1, s) w(s) is 1", () => {
  for (const n of [1, 2, 5, 12, 20]) {
    const w = shapleyWeights(n);
    let s = 0, c = 1;
    for (let k = 0; k < n; k++) {
      s += c * w[k];
      c = (c * (n - 1 - k)) / (k + 1);
    }
    close(s, 1, 1e-12, `n=${n}`);
  }
  close(shapleyWeights(3)[1], 1 / 6); // 1! 1! / 3!
});

Deno.test("efficiency: the values sum to v(N) - v(empty)", () => {
  for (const n of [1, 3, 6, 10]) {
    const v = randomGame(n, n);
    const phi = shapleyExact(v, n);
    close(phi.reduce((s, x) => s + x, 0), v[(1 << n) - 1] - v[0], 1e-9, `n=${n}`);
  }
});

Deno.test("symmetry: interchangeable players get equal values", () => {
  // v depends on players 0 and 1 only through how many of them are present.
  const n = 5;
  const v = new Float64Array(1 << n);
  for (let m = 0; m < 1 << n; m++) {
    const k = ((m & 1) ? 1 : 0) + ((m & 2) ? 1 : 0);
    v[m] = k * k + 3 * ((m >> 2) & 1) + k * ((m >> 3) & 1) - 0.5 * ((m >> 4) & 1);
  }
  const phi = shapleyExact(v, n);
  close(phi[0], phi[1], 1e-12);
  assert.ok(Math.abs(phi[0] - phi[2]) > 0.1, "and the others differ");
});

Deno.test("null player: a player that never changes v gets 0", () => {
  const n = 6;
  const base = randomGame(5, 11);
  // Player 3 is null: v(S) = base(S without bit 3, re-packed).
  const v = Float64Array.from({ length: 1 << n }, (_, m) => base[(m & 0b111) | ((m >> 4) << 3)]);
  const phi = shapleyExact(v, n);
  close(phi[3], 0, 1e-12);
  const sampled = shapleyFromPermutations(
    samplePermutations(n, 50, createRng(1, "p")),
    (m) => v[m],
    n,
  );
  close(sampled.phi[3], 0, 1e-12);
  close(sampled.se[3], 0, 1e-12);
});

Deno.test("hand-checked games: additive and glove", () => {
  // Additive: phi_i = a_i.
  const a = [0.5, -2, 3];
  const add = Float64Array.from(
    { length: 8 },
    (_, m) => a.reduce((s, x, i) => s + (m & (1 << i) ? x : 0), 0),
  );
  shapleyExact(add, 3).forEach((p, i) => close(p, a[i], 1e-12));
  // Glove game: one left glove (player 0), two right gloves; a pair is worth 1.
  const glove = Float64Array.from({ length: 8 }, (_, m) => ((m & 1) && (m & 6) ? 1 : 0));
  const phi = shapleyExact(glove, 3);
  close(phi[0], 2 / 3, 1e-12);
  close(phi[1], 1 / 6, 1e-12);
  close(phi[2], 1 / 6, 1e-12);
  // v(S) = |S|^2, two players: [2, 2].
  assert.deepEqual([...shapleyExact([0, 1, 1, 4], 2)], [2, 2]);
});

Deno.test("exact and sampled agree within 3 standard errors; sampling is efficient per ordering", () => {
  const n = 6;
  const v = randomGame(n, 42);
  const exact = shapleyExact(v, n);
  const perms = samplePermutations(n, 400, createRng(7, "perm"));
  const coalitions = permutationCoalitions(perms);
  assert.equal(coalitions[0], 0);
  assert.equal(coalitions[coalitions.length - 1], (1 << n) - 1);
  const seen = new Set(coalitions);
  const s = shapleyFromPermutations(perms, (m) => {
    assert.ok(seen.has(m), "value asked only for listed coalitions");
    return v[m];
  }, n);
  for (let i = 0; i < n; i++) {
    assert.ok(s.se[i] > 0);
    assert.ok(
      Math.abs(s.phi[i] - exact[i]) <= 3 * s.se[i],
      `player ${i}: ${s.phi[i]} vs ${exact[i]} (se ${s.se[i]})`,
    );
  }
  close(s.phi.reduce((a, b) => a + b, 0), v[(1 << n) - 1] - v[0], 1e-9);
  // More orderings, smaller errors (about 1/sqrt(4) = 1/2).
  const s4 = shapleyFromPermutations(
    samplePermutations(n, 1600, createRng(8, "perm")),
    (m) => v[m],
    n,
  );
  for (let i = 0; i < n; i++) assert.ok(s4.se[i] < 0.7 * s.se[i]);
});

Deno.test("players beyond the mask width and malformed tables are errors", () => {
  assert.throws(() => shapleyExact(new Float64Array(4), 3), /2\^3 = 8 entries/);
  assert.throws(() => samplePermutations(31, 1, createRng(0)), /1 to 30/);
  assert.equal(popcount(0b1011011), 5);
  assert.equal(popcount((1 << 30) - 1), 30);
});
