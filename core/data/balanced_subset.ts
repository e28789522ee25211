/**
 * Class-balanced sampling of a labelled set.
 *
 * @module
 */
import { LensError } from "../errors.ts";
import { createRng, permutation, type Rng } from "../rng.ts";

/**
 * Indices of a class-balanced subset of `size` samples, ascending (so the
 * subset keeps the original order). Each of the `numClasses` classes gets
 * `floor(size / numClasses)` samples and the first `size % numClasses`
 * classes one more; within a class the samples are a uniform draw without
 * replacement (a seeded shuffle of its indices, first k kept).
 *
 * Throws a {@link LensError} (field `field`) when a class has too few samples.
 *
 * @example
 * ```ts
 * const idx = balancedSubset(labels, 10, 200, createRng(0, "subset"), "data.subset");
 * // 20 samples of each digit
 * ```
 */
export function balancedSubset(
  labels: ArrayLike<number>,
  numClasses: number,
  size: number,
  rng: Rng,
  field: string,
): Int32Array {
  if (!Number.isInteger(size) || size < 0 || size > labels.length) {
    throw new LensError(`cannot take ${size} of ${labels.length} samples`, {
      code: "config",
      field,
      expected: `an integer from 0 to ${labels.length}`,
    });
  }
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!(c >= 0 && c < numClasses && Number.isInteger(c))) {
      throw new LensError(`label ${i} is ${c}`, {
        code: "data",
        field,
        expected: `class indices 0..${numClasses - 1}`,
      });
    }
    byClass[c].push(i);
  }
  const base = Math.floor(size / numClasses);
  const extra = size % numClasses;
  const chosen: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const k = base + (c < extra ? 1 : 0);
    const members = byClass[c];
    if (k > members.length) {
      throw new LensError(`class ${c} has ${members.length} samples, ${k} are wanted`, {
        code: "config",
        field,
        expected: `at most ${numClasses} x the smallest class size`,
      });
    }
    const p = permutation(rng, members.length);
    for (let j = 0; j < k; j++) chosen.push(members[p[j]]);
  }
  return Int32Array.from(chosen).sort();
}

/**
 * The rows a data set with a training and a test split keeps: class-balanced
 * subsets of `subset` training and `testSubset` test samples drawn with
 * `createRng(seed, "subset")` / `createRng(seed, "test-subset")`
 * (undefined = all rows of that split), as mnist and cifar10 do.
 */
export function keptRows(
  trainLabels: ArrayLike<number>,
  testLabels: ArrayLike<number>,
  numClasses: number,
  spec: { subset: number; testSubset: number },
  seed: number,
): { train?: Int32Array; test?: Int32Array } {
  return {
    train: spec.subset > 0
      ? balancedSubset(
        trainLabels,
        numClasses,
        spec.subset,
        createRng(seed, "subset"),
        "data.subset",
      )
      : undefined,
    test: spec.testSubset > 0
      ? balancedSubset(
        testLabels,
        numClasses,
        spec.testSubset,
        createRng(seed, "test-subset"),
        "data.testSubset",
      )
      : undefined,
  };
}

/** Probe samples for `probeSize` (0 = all) out of `kept` test samples; a LensError when too many. */
export function probeCount(probeSize: number, kept: number): number {
  const n = probeSize > 0 ? probeSize : kept;
  if (!Number.isInteger(n) || n > kept || n < 0) {
    throw new LensError(`probeSize ${probeSize} exceeds the ${kept} kept test samples`, {
      code: "config",
      field: "data.probeSize",
      expected: `an integer from 0 to ${kept} (0 = all kept test samples)`,
    });
  }
  return n;
}
