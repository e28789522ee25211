/**
 * Deterministic annealing of the IB equations (Rose 1998; docs/methods.md's IB
 * notes): from one cluster at the smallest beta up to the largest, each
 * beta warm-started from the last, a cluster split in two whenever beta
 * passes its critical value ({@link splitModes}).
 *
 * At each beta: iterate to convergence from the previous solution; then,
 * while some cluster has beta lambda_t > 1 + `splitMargin`, split every such
 * cluster along its unstable direction and iterate again (a coarse grid
 * step can pass several transitions, so splits cascade). Copies that fall
 * back together merge ({@link mergeAndDrop}) and end the rounds, as does
 * an iteration that reaches its cap (the test is one of a fixed point). The
 * cluster count stays near what the solution needs (tens for soft 12-bit
 * labels at beta = 300) instead of starting from every distinct input.
 *
 * The split test is local (second-order transitions): where a split of
 * finite size, or a branch reached from above, has the lower Lagrangian
 * before any cluster turns unstable, the upward pass stays on the worse
 * branch. Hence the downward pass (`sweepBack`) and, for small problems,
 * a second start from the identity encoder at the largest beta. On random
 * joints of 6 to 18 inputs this matched or beat reverse annealing's
 * Lagrangian at every beta; without them it was worse at many betas, by
 * up to 0.26 bits.
 *
 * Below 1 / rho^2 of the joint (rho the maximal correlation of X and Y)
 * the single cluster is stable and the point is exactly (0, 0): for
 * deterministic labels rho = 1, so beta < 1 gives the trivial encoder, as
 * the Lagrangian I(X;T) - beta I(T;Y) = (1 - beta) I(T;Y) demands.
 *
 * @module
 */
import type { BetaSolution, BetaSolver, IbProblem, SolveOptions } from "./beta_solver.ts";
import { splitClusters, splitModes } from "./cluster_split.ts";
import type { Clusters } from "./clusters.ts";
import { extrapolateClusters } from "./continuation.ts";

/** Options of {@link splitAnneal} beyond the solver's. */
export interface SplitOptions extends SolveOptions {
  /** Split cluster t when beta lambda_t > 1 + splitMargin. */
  splitMargin: number;
  /** Most split rounds per beta. */
  maxRounds: number;
  /** Anneal back down from the top, warm-starting each beta from the one above. */
  sweepBack: boolean;
  /**
   * With at most this many input groups, the largest beta is also solved
   * from the identity encoder over groups (merge annealing's start), the
   * lower Lagrangian kept. Costs groups^2 per update.
   */
  identityLimit: number;
  /**
   * Start each beta from the extrapolation of the two previous solutions
   * of the same pass and branch ({@link extrapolateClusters}) rather than
   * from the last one. Default false.
   */
  predict?: boolean;
}

/** What {@link splitAnneal} needs of a point: its information values and work. */
export interface AnnealedPoint {
  ixt: number;
  ity: number;
  iterations: number;
}

/**
 * The points of `betas` (ascending), annealing up from one cluster, and
 * (with `sweepBack`) back down: at each beta the solution continued from
 * the beta above replaces the upward one when its Lagrangian
 * I(X;T) - beta I(T;Y) is lower (a branch that a first-order transition
 * hides from the split test). `measure` turns a solution into a point
 * before the solver's next call overwrites the solution's encoder.
 */
export function splitAnneal<P extends AnnealedPoint>(
  p: IbProblem,
  solver: BetaSolver,
  betas: readonly number[],
  options: SplitOptions,
  measure: (beta: number, solution: BetaSolution) => P,
): P[] {
  const sorted = [...betas].sort((a, b) => a - b);
  const points: P[] = [];
  const states: Clusters[] = [];
  let cur: Clusters = { k: 1, pt: new Float64Array([1]), rnum: p.py.slice() };
  // the solution before `cur` on the same branch (the start of the solve that gave it)
  let prev: Clusters | undefined;
  const lb = sorted.map(Math.log);
  const predict = (i: number, from: number, via: number, older?: Clusters, last?: Clusters) =>
    options.predict && older && last
      ? extrapolateClusters(older, last, p.Y, (lb[i] - lb[via]) / (lb[via] - lb[from]))
      : last!;
  for (let i = 0; i < sorted.length; i++) {
    const beta = sorted[i];
    let sol = solver.solve(beta, i >= 2 ? predict(i, i - 2, i - 1, prev, cur) : cur, options);
    let iterations = sol.iterations;
    for (let round = 0; round < options.maxRounds; round++) {
      const left = options.maxIter - iterations;
      // The test holds at a fixed point only: no splits from a capped iteration.
      if (left < 2 || !sol.converged) break;
      const modes = splitModes(p, sol.encoder, sol.clusters);
      const unstable: number[] = [];
      for (let t = 0; t < sol.clusters.k; t++) {
        if (beta * modes.lambda[t] > 1 + options.splitMargin) unstable.push(t);
      }
      if (!unstable.length) break;
      const before = sol.clusters.k;
      const split = splitClusters(p, sol.encoder, sol.clusters, modes, unstable);
      sol = solver.solve(beta, split, { ...options, maxIter: left });
      iterations += sol.iterations;
      if (sol.clusters.k <= before) break;
    }
    points.push(measure(beta, { ...sol, iterations }));
    states.push(sol.clusters);
    prev = cur;
    cur = sol.clusters;
  }
  const lagrangian = (q: AnnealedPoint, beta: number) => q.ixt - beta * q.ity;
  const top = sorted.length - 1;
  if (top >= 0 && p.G <= options.identityLimit) {
    const { G, Y, w, q } = p;
    const identity: Clusters = { k: G, pt: w.slice(), rnum: new Float64Array(G * Y) };
    for (let g = 0; g < G; g++) {
      for (let y = 0; y < Y; y++) identity.rnum[g * Y + y] = w[g] * q[g * Y + y];
    }
    const sol = solver.solve(sorted[top], identity, options);
    const alt = measure(sorted[top], sol);
    if (lagrangian(alt, sorted[top]) < lagrangian(points[top], sorted[top]) - 1e-12) {
      alt.iterations += points[top].iterations;
      points[top] = alt;
      states[top] = sol.clusters;
    } else {
      points[top].iterations += sol.iterations;
    }
  }
  if (!options.sweepBack) return points;
  for (let i = sorted.length - 2; i >= 0; i--) {
    const beta = sorted[i];
    const start = predict(i, i + 2, i + 1, states[i + 2], states[i + 1]);
    const sol = solver.solve(beta, start, options);
    const q = measure(beta, sol);
    if (lagrangian(q, beta) < lagrangian(points[i], beta) - 1e-12) {
      q.iterations += points[i].iterations;
      points[i] = q;
      states[i] = sol.clusters;
    } else {
      points[i].iterations += sol.iterations;
    }
  }
  return points;
}
