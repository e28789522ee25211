/**
 * Reverse annealing of the IB equations ([SZT]'s set-up): from the
 * identity encoder over input groups at the largest beta down to the
 * smallest, each beta warm-started from the last, clusters merging as
 * their decoders meet.
 *
 * Starting from the identity over groups is exact (not an approximation of
 * the identity over inputs): from the identity over inputs, one update
 * gives p(t|x) proportional to p(x = t) h(g(x), g(t)) (g = group), so the
 * clusters of one group have proportional columns and equal decoders;
 * merging them gives the identity over groups updated once, and
 * proportional columns leave I(X;T) and I(T;Y) unchanged.
 *
 * Costs: all groups start as clusters (4096 for soft labels that all
 * differ), and the merges happen only as fast as the iteration lets
 * clusters approach. It also stays at a fixed point it should leave: with
 * deterministic labels the identity is a fixed point at every beta (other
 * clusters' decoders miss each input's label), so it ends at (H(Y), H(Y))
 * even for beta < 1, where the optimum is the trivial encoder (`ibCurve`
 * reports the trivial encoder wherever its Lagrangian is lower).
 *
 * @module
 */
import type { BetaSolution, BetaSolver, IbProblem, SolveOptions } from "./beta_solver.ts";
import type { Clusters } from "./clusters.ts";

/** Calls `visit` with each beta (descending) and its solution, reverse annealing from the identity. */
export function mergeAnneal(
  p: IbProblem,
  solver: BetaSolver,
  betas: readonly number[],
  options: SolveOptions,
  visit: (beta: number, solution: BetaSolution) => void,
): void {
  const { G, Y, w, q } = p;
  let cur: Clusters = { k: G, pt: w.slice(), rnum: new Float64Array(G * Y) };
  for (let g = 0; g < G; g++) for (let y = 0; y < Y; y++) cur.rnum[g * Y + y] = w[g] * q[g * Y + y];
  for (const beta of [...betas].sort((a, b) => b - a)) {
    const sol = solver.solve(beta, cur, options);
    visit(beta, sol);
    cur = sol.clusters;
  }
}
