/** Types of eta.js for tests that import it. */
export interface EtaEstimator {
  add(ms: number, rows: unknown[][]): void;
  etaS(): number;
}
export function createEtaEstimator(
  sampled: readonly number[],
  epochs: number,
  seeds: number,
  startMs?: number,
): EtaEstimator;
