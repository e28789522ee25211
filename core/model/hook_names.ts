/**
 * How hook points are named, once for every network layerlens builds or
 * reads: the k-th layer of a kind is `<kind>_<k>` counting from 1
 * (`dense_1`, `conv_2`, `pool_2`, `block_7`), the softmax layer is
 * `output`. Plugins, stored records, exports and the dashboard key
 * everything by these names.
 *
 * @module
 */

/** Name of the last (softmax) hook point of every classifier. */
export const OUTPUT_HOOK = "output";

/** Kinds of numbered hook points. */
export type NumberedHookKind = "dense" | "conv" | "pool" | "block";

/**
 * The name of the `k`-th hook point of `kind`, counting from 1.
 *
 * @example
 * ```ts
 * hookName("dense", 1); // "dense_1"
 * ```
 */
export function hookName(kind: NumberedHookKind, k: number): string {
  return `${kind}_${k}`;
}
