/**
 * Class labels by value: a file's labels may be any integers >= 0 (class
 * ids such as 3, 17, 5000000); every consumer counts classes as
 * `max(label) + 1` and allocates per class, so labels are mapped to
 * `0..K-1` (ascending by value) where data is loaded, and the original
 * values are kept for display. Past {@link MAX_CLASSES} distinct values the
 * labels are refused: they are more likely ids than classes.
 *
 * @module
 */
import { LensError } from "../errors.ts";

/** Most distinct classes a data set may hold. */
export const MAX_CLASSES = 10000;

/** Labels as class indices 0..K-1, with the value each index stands for. */
export interface ClassLabels {
  /** Class index of each row, 0..K-1. */
  y: Int32Array;
  /** The original label of each class index, ascending (K values). */
  classes: number[];
}

/**
 * Maps labels (integers >= 0) to class indices 0..K-1 in ascending order
 * of value; a {@link LensError} naming `file` and `field` when there are
 * more than `maxClasses` distinct values.
 *
 * @example
 * ```ts
 * classIndices(new Int32Array([7, 5000000, 7]), "y.npy", "labels");
 * // { y: Int32Array [0, 1, 0], classes: [7, 5000000] }
 * ```
 */
export function classIndices(
  labels: Int32Array,
  file: string,
  field: string,
  maxClasses = MAX_CLASSES,
): ClassLabels {
  const seen = new Set<number>();
  for (let i = 0; i < labels.length; i++) {
    seen.add(labels[i]);
    if (seen.size > maxClasses) {
      throw new LensError(
        `the labels hold more than ${maxClasses} distinct values (row ${i} adds ` +
          `${labels[i]}): they look like ids, not classes`,
        { code: "data", file, field, expected: `at most ${maxClasses} classes` },
      );
    }
  }
  const classes = [...seen].sort((a, b) => a - b);
  const index = new Map(classes.map((c, k) => [c, k]));
  const y = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) y[i] = index.get(labels[i])!;
  return { y, classes };
}

/**
 * A line for the user when the labels hold one class only: the
 * information about the label, I(T;Y), is then 0 by definition.
 */
export function singleClassNote(classes: readonly number[], source: string): string | undefined {
  if (classes.length !== 1) return undefined;
  return `${source}: every label is ${classes[0]} (one class): I(T;Y) is 0 bits by definition`;
}
