/**
 * Deterministic annealing of the IB equations (Rose 1998; METHODS' IB
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
 * finite size, or a branch that reverse annealing reaches from above,
 * has the lower Lagrangian before any cluster turns unstable, this method
 * stays on the worse branch.
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

/** Options of {@link splitAnneal} beyond the solver's. */
export interface SplitOptions extends SolveOptions {
  /** Split cluster t when beta lambda_t > 1 + splitMargin. */
  splitMargin: number;
  /** Most split rounds per beta. */
  maxRounds: number;
}

/** Calls `visit` with each beta (ascending) and its solution, annealing up from one cluster. */
export function splitAnneal(
  p: IbProblem,
  solver: BetaSolver,
  betas: readonly number[],
  options: SplitOptions,
  visit: (beta: number, solution: BetaSolution) => void,
): void {
  let cur: Clusters = { k: 1, pt: new Float64Array([1]), rnum: p.py.slice() };
  for (const beta of [...betas].sort((a, b) => a - b)) {
    let sol = solver.solve(beta, cur, options);
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
    visit(beta, { ...sol, iterations });
    cur = sol.clusters;
  }
}
