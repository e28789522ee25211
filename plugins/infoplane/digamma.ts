/**
 * The digamma function psi(x) = d/dx ln Gamma(x) for x > 0, which the
 * nearest-neighbour estimators (KSG, Ross) evaluate at neighbour counts.
 *
 * Method: the recurrence psi(x) = psi(x + 1) - 1/x lifts x to at least 10,
 * then the asymptotic series
 * psi(x) ~ ln x - 1/(2x) - sum_n B_2n / (2n x^2n)
 * (Bernoulli numbers B_2 .. B_12) is summed; its first omitted term is
 * below 691 / (32760 x^12) < 3e-14 at x >= 10, so the result is good to a
 * few units in the 14th digit.
 *
 * @module
 */

/** Euler-Mascheroni constant gamma = -psi(1). */
export const EULER_GAMMA = 0.5772156649015329;

/**
 * psi(x) for x > 0; NaN for x <= 0 or NaN (the estimators never ask for
 * those: their counts are >= 1).
 *
 * @example
 * ```ts
 * digamma(1); // -0.5772156649015329 (= -gamma)
 * digamma(4); // 1 + 1/2 + 1/3 - gamma
 * ```
 */
export function digamma(x: number): number {
  if (!(x > 0)) return NaN;
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  // B2/2 = 1/12, B4/4 = -1/120, B6/6 = 1/252, B8/8 = -1/240, B10/10 = 1/132, B12/12 = -691/32760
  const series = f *
    (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * (691 / 32760))))));
  return shift + Math.log(x) - 0.5 / x - series;
}
