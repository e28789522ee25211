/**
 * What one run started over HTTP may cost: at most `maxSeeds` seeds and
 * `maxEpochSamples` epochs x training samples per seed. The raw document is
 * checked before the config is parsed (a `seeds: 20000000` must not build a
 * list of twenty million seeds in the server), the parsed config after.
 *
 * @module
 */
import { LensError } from "../core/errors.ts";
import type { DataSpec, RunConfig } from "../core/types.ts";

/** Limits on runs started through the server. */
export interface RunLimits {
  /** Most seeds of one run. */
  maxSeeds: number;
  /** Most epochs x samples (per seed) of one run. */
  maxEpochSamples: number;
  /** Runs trained at the same time; more wait in the queue. */
  maxRuns: number;
  /** Runs waiting at most; beyond, a start is refused (429). */
  maxQueue: number;
}

/** Defaults: the paper's protocol (8000 epochs x 4096 inputs, 5 seeds) fits with room. */
export const DEFAULT_LIMITS: RunLimits = {
  maxSeeds: 20,
  maxEpochSamples: 100_000_000,
  maxRuns: 2,
  maxQueue: 8,
};

function over(field: string, got: string, expected: string): LensError {
  return new LensError(`${got} is over this server's budget`, {
    code: "budget",
    field,
    expected: `${expected} (raise with lens serve --max-seeds / --max-epoch-samples)`,
  });
}

/** Checks `seeds` and `training.epochs` of the raw document before it is parsed. */
export function precheckBudget(doc: unknown, limits: RunLimits): void {
  if (!doc || typeof doc !== "object") return;
  const d = doc as { seeds?: unknown; training?: { epochs?: unknown } };
  const seeds = d.seeds;
  const count = typeof seeds === "number" ? seeds : Array.isArray(seeds) ? seeds.length : 0;
  if (count > limits.maxSeeds) {
    throw over("seeds", `${count} seeds`, `at most ${limits.maxSeeds} seeds`);
  }
  const epochs = d.training && typeof d.training === "object" ? d.training.epochs : undefined;
  if (typeof epochs === "number" && epochs > limits.maxEpochSamples) {
    throw over(
      "training.epochs",
      `${epochs} epochs`,
      `epochs x samples <= ${limits.maxEpochSamples}`,
    );
  }
}

/**
 * Training samples per epoch: the 12-bit task's 4096 inputs, MNIST's subset
 * (60000 when 0), CIFAR-10's (50000 when 0), and for a file an upper bound from its size (a row takes
 * at least 4 bytes: two one-digit fields, a comma, a newline).
 */
export function sampleCount(data: DataSpec, fileBytes = 0): number {
  switch (data.name) {
    case "tishby12":
      return 4096;
    case "mnist":
      return data.subset || 60000;
    case "cifar10":
      return data.subset || 50000;
    case "file":
      return Math.max(1, Math.floor(fileBytes / 4));
  }
}

/** Throws a LensError `budget` (400) when the parsed config is over `limits`. */
export function checkBudget(config: RunConfig, samples: number, limits: RunLimits): void {
  if (config.seeds.length > limits.maxSeeds) {
    throw over("seeds", `${config.seeds.length} seeds`, `at most ${limits.maxSeeds} seeds`);
  }
  const work = config.training.epochs * samples;
  if (work > limits.maxEpochSamples) {
    throw over(
      "training.epochs",
      `${config.training.epochs} epochs x ${samples} samples = ${work}`,
      `epochs x samples <= ${limits.maxEpochSamples}`,
    );
  }
}
