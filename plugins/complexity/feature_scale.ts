/**
 * Standardisation of a feature before a disentangler mimics it: per-dimension
 * centring and one global scale (the square root of the mean per-dimension
 * variance). One scale for all dimensions keeps the geometry of the feature
 * (relative variances of dimensions, correlations), and because the
 * disentangler sees the same standardised numbers whatever the units of f,
 * the decomposition is equivariant to scaling f: rho does not change when f
 * is multiplied by a constant.
 *
 * @module
 */
import { columnMeans, meanVariance } from "./variance.ts";

/** Per-dimension mean and the global scale of a feature. */
export interface FeatureScale {
  mean: Float32Array;
  /** sqrt of the mean per-dimension variance; 1 for a constant feature. */
  scale: number;
}

/** Mean and scale of `f` (`rows` by `cols`). */
export function fitScale(f: ArrayLike<number>, rows: number, cols: number): FeatureScale {
  const mean = Float32Array.from(columnMeans(f, rows, cols));
  const v = meanVariance(f, rows, cols);
  return { mean, scale: v > 0 ? Math.sqrt(v) : 1 };
}

/** `(f - mean) / scale`, a new array. */
export function standardize(f: ArrayLike<number>, s: FeatureScale): Float32Array {
  const cols = s.mean.length;
  const out = new Float32Array(f.length);
  const inv = 1 / s.scale;
  for (let i = 0; i < f.length; i++) out[i] = (f[i] - s.mean[i % cols]) * inv;
  return out;
}

/** `z * scale + (withMean ? mean : 0)` in place; returns `z`. */
export function unstandardize(z: Float32Array, s: FeatureScale, withMean: boolean): Float32Array {
  const cols = s.mean.length;
  for (let i = 0; i < z.length; i++) {
    z[i] = z[i] * s.scale + (withMean ? s.mean[i % cols] : 0);
  }
  return z;
}
