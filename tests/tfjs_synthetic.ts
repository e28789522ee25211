/**
 * Small synthetic data sets for the tfjs tests: uniform inputs in [0, 1)
 * and labels from a fixed random linear rule (arg-max of a projection), so
 * there is something to learn.
 *
 * @module
 */
import { createRng } from "../core/rng.ts";
import type { Dataset, ModelSpec, TrainingSpec } from "../core/types.ts";

/** A data set of `n` training and `nTest` test rows of shape `inputShape`. */
export function syntheticDataset(
  n: number,
  inputShape: number[],
  classes: number,
  seed = 1,
  nTest = 16,
): Dataset {
  const d = inputShape.reduce((a, b) => a * b, 1);
  const rng = createRng(seed, "synthetic");
  const proj = Float64Array.from({ length: d * classes }, () => rng.normal());
  const make = (rows: number) => {
    const x = Float32Array.from({ length: rows * d }, () => rng.next());
    const y = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      let best = 0, bestV = -Infinity;
      for (let c = 0; c < classes; c++) {
        let v = 0;
        for (let j = 0; j < d; j++) v += (x[r * d + j] - 0.5) * proj[j * classes + c];
        if (v > bestV) [best, bestV] = [c, v];
      }
      y[r] = best;
    }
    return { x, y };
  };
  const train = make(n);
  const test = make(nTest);
  return {
    name: "synthetic",
    inputShape,
    numClasses: classes,
    xTrain: train.x,
    yTrain: train.y,
    nTrain: n,
    xTest: test.x,
    yTest: test.y,
    nTest,
    probe: { x: train.x, y: train.y, n },
    info: {},
  };
}

/** A small CNN for 28x28x1 inputs. */
export const SMALL_CNN: ModelSpec = {
  type: "cnn",
  conv: [{ filters: 4, kernel: 5 }, { filters: 6, kernel: 3 }],
  dense: [16],
  activation: "relu",
  init: "tfjs",
};

/** Training settings with the given overrides. */
export function training(over: Partial<TrainingSpec> = {}): TrainingSpec {
  return { epochs: 3, batchSize: 16, lr: 1e-2, optimizer: "adam", shuffle: false, ...over };
}
