/**
 * The whole training set of a run's data set, for analyses that train on
 * more than the target network's own rows (the authors of [Ren] fit their
 * disentanglers on draws from the full training set, and train reference
 * networks on all of it): the config's data set with its training subset
 * switched off.
 *
 * @module
 */
import { loadDataset } from "../../core/data/load.ts";
import type { Dataset, DataSpec } from "../../core/types.ts";

/**
 * The spec of `spec`'s full training set, or undefined when `spec` already
 * loads every training row (no `subset` field, or `subset: 0`).
 *
 * @example
 * ```ts
 * fullTrainingSpec({ name: "mnist", subset: 1000, testSubset: 0, probeSize: 0 });
 * // { name: "mnist", subset: 0, testSubset: 0, probeSize: 0 }
 * ```
 */
export function fullTrainingSpec(spec: DataSpec): DataSpec | undefined {
  const s = spec as DataSpec & { subset?: number };
  if (typeof s.subset !== "number" || s.subset <= 0) return undefined;
  return { ...s, subset: 0 } as DataSpec;
}

/**
 * The full training set of `spec` (loaded with seed `seed`), or `fallback`
 * when `spec` is undefined or already full. Loads once per call; callers
 * keep the result for the run.
 */
export async function loadFullTraining(
  spec: DataSpec | undefined,
  seed: number,
  fallback: Dataset,
): Promise<Dataset> {
  const full = spec ? fullTrainingSpec(spec) : undefined;
  return full ? await loadDataset(full, seed) : fallback;
}
