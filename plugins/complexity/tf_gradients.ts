/**
 * Makes sure tfjs gradients are registered before anything here trains.
 * The Node build of @tensorflow/tfjs-core registers none; the
 * @tensorflow/tfjs bundle registers all of them in the global registry
 * that tfjs-core reads. Loaded on first use, so importing the plugins
 * stays cheap.
 *
 * @module
 */

let loading: Promise<unknown> | undefined;

/** Resolves once gradients are registered (the first call loads @tensorflow/tfjs). */
export function ensureGradients(): Promise<void> {
  loading ??= import("@tensorflow/tfjs");
  return loading.then(() => {});
}
