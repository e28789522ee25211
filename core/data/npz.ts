/**
 * Reading and writing numpy `.npz` archives: a zip of `.npy` files, stored
 * (`np.savez`) or deflated (`np.savez_compressed`). Zip handling is fflate's.
 *
 * @module
 */
import { unzipSync, type ZipOptions, zipSync } from "fflate";
import { LensError } from "../errors.ts";
import { encodeNpy, type NpyArray, parseNpy, readBytes } from "./npy.ts";

/**
 * Parses the bytes of an `.npz` archive into arrays keyed by name (the entry
 * name without its `.npy` suffix, as `numpy.load(...)[name]`). Every entry
 * must be a `.npy` file; `file` is used in error messages (an entry's errors
 * name it as `file:entry.npy`).
 *
 * @example
 * ```ts
 * const arrays = parseNpz(Deno.readFileSync("data.npz"), "data.npz");
 * const x = arrays.get("x");
 * ```
 */
export function parseNpz(bytes: Uint8Array, file = "<bytes>"): Map<string, NpyArray> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new LensError(`not a readable .npz (zip) archive: ${(e as Error).message}`, {
      code: "data",
      file,
      expected: "a zip of .npy files written by numpy.savez or numpy.savez_compressed",
    });
  }
  const out = new Map<string, NpyArray>();
  for (const [entry, content] of Object.entries(entries)) {
    if (entry.endsWith("/")) continue; // directory entry
    const name = entry.endsWith(".npy") ? entry.slice(0, -4) : entry;
    out.set(name, parseNpy(content, `${file}:${entry}`));
  }
  return out;
}

/**
 * Reads an `.npz` file (from `np.savez` or `np.savez_compressed`).
 *
 * @example
 * ```ts
 * const arrays = readNpz("mnist_small.npz");
 * console.log([...arrays.keys()]); // ["x", "y"]
 * ```
 */
export function readNpz(path: string): Map<string, NpyArray> {
  return parseNpz(readBytes(path, ".npz file"), path);
}

/**
 * Encodes arrays as `.npz` bytes; each becomes `<name>.npy`. Entries are
 * stored, or deflated when `compress` is true (like `np.savez_compressed`).
 *
 * @example
 * ```ts
 * const bytes = encodeNpz({ y: { dtype: "i4", shape: [2], data: new Int32Array([0, 1]) } });
 * ```
 */
export function encodeNpz(arrays: Record<string, NpyArray>, compress = false): Uint8Array {
  const opts: ZipOptions = { level: compress ? 6 : 0 };
  const files: Record<string, [Uint8Array, ZipOptions]> = {};
  for (const [name, arr] of Object.entries(arrays)) {
    if (name === "" || name.includes("/")) {
      throw new LensError(`bad array name ${JSON.stringify(name)}`, {
        code: "data",
        field: name,
        expected: "a non-empty name without '/'",
      });
    }
    files[`${name}.npy`] = [encodeNpy(arr), opts];
  }
  return zipSync(files);
}

/**
 * Writes arrays as an `.npz` file readable by `numpy.load`; stored entries,
 * or deflated when `compress` is true.
 *
 * @example
 * ```ts
 * writeNpz("out.npz", {
 *   x: { dtype: "f4", shape: [2, 2], data: new Float32Array([0, 1, 1, 0]) },
 *   y: { dtype: "i4", shape: [2], data: new Int32Array([0, 1]) },
 * }, true);
 * ```
 */
export function writeNpz(path: string, arrays: Record<string, NpyArray>, compress = false): void {
  Deno.writeFileSync(path, encodeNpz(arrays, compress));
}
