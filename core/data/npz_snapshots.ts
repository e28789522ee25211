/**
 * Layer snapshots read from a stored `.npz` one at a time, each into the
 * same buffers: an analysis of E snapshots of a file of any size holds one
 * snapshot in memory, and reading touches no fresh memory after the first
 * (on this project's VMs a first touch of a page costs more than reading
 * it from the page cache). Before that, one pass over the numbers checks
 * that they are finite, so a bad file is refused before a run is started.
 *
 * @module
 */
import type { SnapshotLayer, SnapshotSource } from "../analyze_activations.ts";
import { LensError } from "../errors.ts";
import type { ActivationCache } from "../types.ts";
import type { StoredNpz } from "./npz_direct.ts";

/** Floats read per chunk by {@link checkStoredFinite} (1 MiB). */
const CHUNK = 1 << 18;

/**
 * Throws a {@link LensError} naming the archive, the array and the first
 * element (row-major index over the whole array) that is NaN or
 * +-Infinity, reading each layer in chunks into one reused buffer.
 *
 * @example
 * ```ts
 * checkStoredFinite(npz, [{ name: "dense_1", rows: 4096, cols: 10 }], 100);
 * ```
 */
export function checkStoredFinite(
  npz: StoredNpz,
  layers: readonly SnapshotLayer[],
  snapshots: number,
): void {
  const buf = new Float32Array(CHUNK);
  for (const l of layers) {
    const total = snapshots * l.rows * l.cols;
    for (let start = 0; start < total; start += CHUNK) {
      const part = buf.subarray(0, Math.min(CHUNK, total - start));
      npz.readFloat32(l.name, start, part);
      for (let i = 0; i < part.length; i++) {
        const v = part[i];
        if (v - v !== 0) {
          throw new LensError(`element ${start + i} is ${v} (the first non-finite value)`, {
            code: "data",
            file: npz.path,
            field: l.name,
            expected: "finite numbers only",
          });
        }
      }
    }
  }
}

/**
 * The snapshots of `layers` (arrays `[E, rows, cols]`, or `[rows, cols]`
 * for one snapshot) with their `epochs`, read when loaded. Every load
 * fills the same buffers (one per layer): a cache is valid until the next
 * load.
 *
 * @example
 * ```ts
 * const source = npzSnapshots(npz, [{ name: "dense_1", rows: 4096, cols: 10 }], [0, 10, 100]);
 * const cache = source.load(2); // dense_1 at epoch 100
 * ```
 */
export function npzSnapshots(
  npz: StoredNpz,
  layers: readonly SnapshotLayer[],
  epochs: readonly number[],
): SnapshotSource {
  const buffers = layers.map((l) => new Float32Array(l.rows * l.cols));
  return {
    epochs,
    layers,
    load(index: number): ActivationCache {
      if (!Number.isInteger(index) || index < 0 || index >= epochs.length) {
        throw new RangeError(`snapshot ${index} outside 0..${epochs.length - 1}`);
      }
      const cache: ActivationCache = new Map();
      for (const [k, l] of layers.entries()) {
        const data = buffers[k];
        npz.readFloat32(l.name, index * data.length, data);
        cache.set(l.name, { data, rows: l.rows, cols: l.cols });
      }
      return cache;
    },
  };
}
