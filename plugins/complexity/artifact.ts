/**
 * What `disentangle` hands to the other complexity plugins through
 * `ctx.artifacts`, under the key `disentangle:<seed>`: the feature, its
 * components c^(1..L) on the training rows the disentanglers were fit on
 * and on the test set, with labels. The residual is f minus the sum of the
 * components.
 *
 * @module
 */
import { type ArtifactKey, artifactKey } from "../../core/artifacts.ts";
import { LensError } from "../../core/errors.ts";
import type { FeatureEvent, ModelHandle, PluginContext } from "../../core/types.ts";

/** Feature, components and labels on one split. */
export interface ComponentSplit {
  n: number;
  /** f on these rows, n by dim. */
  f: Float32Array;
  /** `components[l-1]` = c^(l), n by dim. */
  components: Float32Array[];
  labels: Int32Array;
}

/** The decomposition of one seed's feature. */
export interface DisentangleArtifact {
  seed: number;
  /** Hook point of f. */
  layer: string;
  dim: number;
  orders: number;
  /** Rows of the data set's training set used (ascending). */
  trainRows: Int32Array;
  train: ComponentSplit;
  /** The whole test set (n = 0 when the data set has none). */
  test: ComponentSplit;
  /** Distillation MSE per order. */
  loss: number[];
}

/** Artifact key of a seed's decomposition. */
export function disentangleKey(seed: number): ArtifactKey<DisentangleArtifact> {
  return artifactKey(`disentangle:${seed}`);
}

/** The decomposition of `seed`, or a LensError naming what is missing. */
export function readDisentangle(
  ctx: PluginContext,
  seed: number,
  plugin: string,
): DisentangleArtifact {
  const a = ctx.artifacts.get(disentangleKey(seed));
  if (!a) {
    throw new LensError(`no feature components for seed ${seed}`, {
      code: "plugin",
      field: plugin,
      expected: "the disentangle plugin in the same run (it runs first and must not fail)",
    });
  }
  return a;
}

/**
 * The layers above a {@link FeatureEvent}'s feature (what the Shapley games
 * and boost feed), or a LensError saying what the event lacks.
 */
export function featureUpper(e: FeatureEvent, plugin: string, needsTest = false): ModelHandle {
  if (!e.upper) {
    throw new LensError("the feature came without the layers above it", {
      code: "plugin",
      field: plugin,
      expected: "the upper layers g of the feature (lens features --upper, or --run)",
    });
  }
  if (needsTest && !e.test?.n) {
    throw new LensError("the feature came without a test split", {
      code: "plugin",
      field: plugin,
      expected: "a test split (lens features --test)",
    });
  }
  return e.upper;
}
