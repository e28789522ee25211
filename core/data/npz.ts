/**
 * Reading and writing numpy `.npz` archives: a zip of `.npy` files, stored
 * (`np.savez`) or deflated (`np.savez_compressed`). The directory is read
 * by zip_entries.ts, inflating and writing zips is fflate's.
 *
 * @module
 */
import { Inflate, type ZipOptions, zipSync } from "../../deps/fflate.ts";
import { errorMessage, LensError } from "../errors.ts";
import { encodeNpy, type NpyArray, npyDeclaredSize, parseNpy, readBytes } from "./npy.ts";
import { zipEntries } from "./zip_entries.ts";

/** Bounds on what reading an archive may allocate. */
export interface NpzLimits {
  /** Most bytes all entries together may expand to (default {@link MAX_NPZ_BYTES}). */
  maxBytes?: number;
}

/** Default bound on the decompressed size of a whole `.npz`: 4 GiB. */
export const MAX_NPZ_BYTES = 4 * 1024 ** 3;

/** Compressed bytes handed to the inflater at a time: bounds each step's output (~1000x). */
const INFLATE_STEP = 16 * 1024;

function archiveError(file: string, message: string, expected: string): LensError {
  return new LensError(message, { code: "data", file, expected });
}

/** Bytes of memory the system reports available, when it may be asked. */
function availableMemory(): number | undefined {
  try {
    return Deno.systemMemoryInfo().available;
  } catch {
    return undefined;
  }
}

/**
 * Inflates one deflated entry into a buffer the size its `.npy` header
 * declares, refusing a header that declares more than `budget` bytes and a
 * stream that expands past what its header declares; memory stays bounded
 * by the declared size plus one step's output.
 */
function inflateEntry(data: Uint8Array, where: string, budget: number): Uint8Array {
  let head: Uint8Array = new Uint8Array(0);
  let out: Uint8Array | undefined;
  let filled = 0;
  const inflater = new Inflate((chunk) => {
    if (!out) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      const declared = npyDeclaredSize(joined, where);
      if (declared === undefined) {
        head = joined;
        return;
      }
      if (declared > budget) {
        throw archiveError(
          where,
          `the entry's header declares ${declared} bytes, more than the ${budget} left of ` +
            "the archive's limit",
          "arrays whose decompressed size fits the limit (lens reads at most " +
            `${MAX_NPZ_BYTES} bytes of one archive)`,
        );
      }
      out = new Uint8Array(declared);
      chunk = joined;
    }
    if (filled + chunk.length > out.length) {
      throw archiveError(
        where,
        `the entry expands past the ${out.length} bytes its .npy header declares`,
        "an entry holding exactly the array its header describes (a damaged or hostile archive?)",
      );
    }
    out.set(chunk, filled);
    filled += chunk.length;
  });
  try {
    for (let o = 0; o < data.length; o += INFLATE_STEP) {
      inflater.push(data.subarray(o, o + INFLATE_STEP), o + INFLATE_STEP >= data.length);
    }
    if (data.length === 0) inflater.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof LensError) throw e;
    throw archiveError(
      where,
      `cannot inflate the entry: ${errorMessage(e)}`,
      "a zip of .npy files written by numpy.savez or numpy.savez_compressed",
    );
  }
  if (!out) return head; // shorter than its header: parseNpy says so
  return filled === out.length ? out : out.subarray(0, filled);
}

/**
 * Parses the bytes of an `.npz` archive into arrays keyed by name (the entry
 * name without its `.npy` suffix, as `numpy.load(...)[name]`). Every entry
 * must be a `.npy` file, stored or deflated; `file` is used in error
 * messages (an entry's errors name it as `file:entry.npy`).
 *
 * What it may allocate is bounded: a deflated entry is inflated step by
 * step into a buffer the size its `.npy` header declares, and refused as
 * soon as it expands past it; the declared sizes of all entries together
 * may not pass `limits.maxBytes` (default 4 GiB) nor the memory the system
 * reports available. A zip bomb is refused after a few megabytes.
 *
 * @example
 * ```ts
 * const arrays = parseNpz(Deno.readFileSync("data.npz"), "data.npz");
 * const x = arrays.get("x");
 * ```
 */
export function parseNpz(
  bytes: Uint8Array,
  file = "<bytes>",
  limits: NpzLimits = {},
): Map<string, NpyArray> {
  const memory = availableMemory();
  let budget = Math.min(limits.maxBytes ?? MAX_NPZ_BYTES, memory ?? Infinity);
  const out = new Map<string, NpyArray>();
  for (const entry of zipEntries(bytes, file)) {
    if (entry.name.endsWith("/")) continue; // directory entry
    const where = `${file}:${entry.name}`;
    const name = entry.name.endsWith(".npy") ? entry.name.slice(0, -4) : entry.name;
    if (entry.encrypted) {
      throw archiveError(where, "the entry is encrypted", "an archive without a password");
    }
    let content: Uint8Array;
    let adopt = false;
    if (entry.method === 0) {
      content = entry.data;
      const declared = npyDeclaredSize(content, where) ?? content.length;
      if (declared > budget) {
        throw archiveError(
          where,
          `the entry declares ${declared} bytes, more than the ${budget} left of the ` +
            "archive's limit",
          `arrays that fit the limit (at most ${MAX_NPZ_BYTES} bytes of one archive)`,
        );
      }
    } else if (entry.method === 8) {
      content = inflateEntry(entry.data, where, budget);
      adopt = true;
    } else {
      throw archiveError(
        where,
        `compression method ${entry.method} is not supported`,
        "entries stored or deflated (numpy.savez / numpy.savez_compressed)",
      );
    }
    budget -= content.length;
    out.set(name, parseNpy(content, where, adopt));
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
