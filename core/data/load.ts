/**
 * One entry point for every data set a config can name.
 *
 * @module
 */
import { LensError } from "../errors.ts";
import type { Dataset, DataSpec } from "../types.ts";
import { loadCifar10 } from "./cifar10.ts";
import { loadFileDataset } from "./file_dataset.ts";
import { loadMnist } from "./mnist.ts";
import { loadTishby12 } from "./tishby12.ts";

/**
 * Loads the data set `spec` names; `seed` fixes seeded splits and subsets
 * (tishby12 `split: random`, mnist `subset` / `testSubset`) and is ignored
 * otherwise.
 *
 * - `tishby12`: see loadTishby12 (reference split: first 3277 rows train).
 * - `mnist`: see loadMnist (class-balanced subsets, probe = first test samples).
 * - `cifar10`: the binary archive's files in `path` (see loadCifar10).
 * - `file`: `.npy` (+ `labels` `.npy`), `.npz` (`x`, `y`) or `.csv` (label
 *   last); the first `round(trainFraction * N)` rows in file order train,
 *   the rest test, probe = all rows (see loadFileDataset).
 *
 * @example
 * ```ts
 * const ds = await loadDataset({ name: "tishby12", split: "reference", trainFraction: 0.8 }, 0);
 * console.log(ds.nTrain, ds.nTest, ds.probe.n); // 3277 819 4096
 * ```
 */
export function loadDataset(spec: DataSpec, seed: number): Promise<Dataset> {
  try {
    switch (spec.name) {
      case "tishby12":
        return Promise.resolve(loadTishby12(spec, seed));
      case "mnist":
        return Promise.resolve(loadMnist(spec, seed));
      case "file":
        return Promise.resolve(loadFileDataset(spec));
      case "cifar10":
        return Promise.resolve(loadCifar10(spec, seed));
      default: {
        const name = (spec as { name?: unknown }).name;
        throw new LensError(`unknown data set ${JSON.stringify(name)}`, {
          code: "config",
          field: "data.name",
          expected: "tishby12, mnist, cifar10 or file",
        });
      }
    }
  } catch (e) {
    return Promise.reject(e);
  }
}
