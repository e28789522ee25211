/**
 * The checks every trainer makes on its {@link TrainerOptions} before it
 * builds anything: seeds, one data set (and one initial parameter set, if
 * given) per seed, batch size, learning rate and optimizer. Each failure is
 * a config {@link LensError} naming the field.
 *
 * @module
 */
import { LensError } from "../errors.ts";
import type { TrainerOptions } from "../types.ts";

/** Throws a config error for `field`. */
export function failOption(message: string, field: string, expected: string): never {
  throw new LensError(message, { code: "config", field, expected });
}

/** The checks shared by the fused and the tfjs trainer. */
export function checkTrainerOptions(opts: TrainerOptions): void {
  const { training, datasets, seeds } = opts;
  if (seeds.length === 0) failOption("no seeds to train", "seeds", "at least one seed");
  if (datasets.length !== seeds.length) {
    failOption(
      `${datasets.length} data sets for ${seeds.length} seeds`,
      "datasets",
      "one data set per seed",
    );
  }
  if (opts.initialParams && opts.initialParams.length !== seeds.length) {
    failOption(
      `${opts.initialParams.length} parameter sets for ${seeds.length} seeds`,
      "initialParams",
      "one parameter set per seed",
    );
  }
  if (!Number.isInteger(training.batchSize) || training.batchSize < 1) {
    failOption(`batch size ${training.batchSize}`, "training.batchSize", "an integer >= 1");
  }
  if (!(training.lr > 0) || !Number.isFinite(training.lr)) {
    failOption(`learning rate ${training.lr}`, "training.lr", "a positive number");
  }
  if (training.optimizer !== "adam" && training.optimizer !== "sgd") {
    failOption(`optimizer "${training.optimizer}"`, "training.optimizer", "adam or sgd");
  }
}
