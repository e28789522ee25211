/**
 * Reading an `.npz` without extra copies: for an archive whose entries are
 * all stored (`np.savez`, the common case for activations), each entry's
 * bytes are read from the file straight into a buffer of their own, placed
 * so that the numbers are aligned, and the array is a view of it (one pass
 * over the data, no copy of the whole file, no second copy per entry).
 * Anything else (deflated entries of `np.savez_compressed`, encrypted or
 * malformed archives) goes to `readNpz` (npz.ts, loaded only then: fflate
 * is not needed for stored archives), which reads the whole file and names
 * what is wrong. What it allocates is bounded by the file's size:
 * a stored entry cannot be larger than the part of the file it lies in.
 *
 * @module
 */
import { LensError } from "../errors.ts";
import { type NpyArray, npyLayout, parseNpy } from "./npy.ts";

/** One entry of the central directory. */
interface Entry {
  name: string;
  method: number;
  flags: number;
  size: number;
  stored: number;
  local: number;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_TAIL = 22 + 0xffff + 20; // EOCD with the longest comment, and the zip64 locator

/** Reads `out.length` bytes at `at`; false when the file ends first. */
function readAt(file: Deno.FsFile, at: number, out: Uint8Array): boolean {
  file.seekSync(at, Deno.SeekMode.Start);
  let off = 0;
  while (off < out.length) {
    const n = file.readSync(out.subarray(off));
    if (n === null || n === 0) return false;
    off += n;
  }
  return true;
}

function u64(v: DataView, at: number): number {
  return v.getUint32(at, true) + v.getUint32(at + 4, true) * 2 ** 32;
}

/** The central directory, or undefined when the archive is not one this reader takes. */
function centralDirectory(file: Deno.FsFile, size: number): Entry[] | undefined {
  const tailLen = Math.min(size, MAX_TAIL);
  const tail = new Uint8Array(tailLen);
  if (!readAt(file, size - tailLen, tail)) return undefined;
  const tv = new DataView(tail.buffer);
  let e = tailLen - 22;
  while (e >= 0 && tv.getUint32(e, true) !== EOCD) e--;
  if (e < 0) return undefined;
  let count = tv.getUint16(e + 10, true);
  let cdSize = tv.getUint32(e + 12, true);
  let cdOffset = tv.getUint32(e + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    if (e < 20 || tv.getUint32(e - 20, true) !== EOCD64_LOCATOR) return undefined;
    const at = u64(tv, e - 20 + 8);
    const rec = new Uint8Array(56);
    if (at + 56 > size || !readAt(file, at, rec)) return undefined;
    const rv = new DataView(rec.buffer);
    if (rv.getUint32(0, true) !== EOCD64) return undefined;
    count = u64(rv, 32);
    cdSize = u64(rv, 40);
    cdOffset = u64(rv, 48);
  }
  if (cdOffset + cdSize > size || count * 46 > cdSize) return undefined;
  const cd = new Uint8Array(cdSize);
  if (!readAt(file, cdOffset, cd)) return undefined;
  const v = new DataView(cd.buffer);
  const names = new TextDecoder();
  const entries: Entry[] = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cdSize || v.getUint32(p, true) !== CENTRAL) return undefined;
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdSize) return undefined;
    const entry: Entry = {
      name: names.decode(cd.subarray(p + 46, p + 46 + nameLen)),
      flags: v.getUint16(p + 8, true),
      method: v.getUint16(p + 10, true),
      stored: v.getUint32(p + 20, true),
      size: v.getUint32(p + 24, true),
      local: v.getUint32(p + 42, true),
    };
    // zip64 extra field: the 64-bit values of the fields saturated above, in this order
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = v.getUint16(x, true), len = v.getUint16(x + 2, true);
      if (x + 4 + len > xEnd) return undefined;
      if (id === 0x0001) {
        let f = x + 4;
        for (const key of ["size", "stored", "local"] as const) {
          if (entry[key] !== 0xffffffff) continue;
          if (f + 8 > x + 4 + len) return undefined;
          entry[key] = u64(v, f);
          f += 8;
        }
      }
      x += 4 + len;
    }
    entries.push(entry);
    p = end;
  }
  return entries;
}

/**
 * Where the `.npy` bytes of stored entry `e` start in the file, and the
 * offset of its numbers within them (10 + header length for version 1,
 * 12 + it for 2 and 3; 0 when the entry is too short to say); undefined
 * when the local header is not where the directory says.
 */
function entryStart(
  file: Deno.FsFile,
  size: number,
  e: Entry,
): { start: number; dataAt: number } | undefined {
  if (e.size !== e.stored) return undefined;
  const head = new Uint8Array(30);
  if (e.local + 30 > size || !readAt(file, e.local, head)) return undefined;
  const hv = new DataView(head.buffer);
  if (hv.getUint32(0, true) !== LOCAL) return undefined;
  const start = e.local + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
  if (start + e.stored > size) return undefined;
  const pre = new Uint8Array(Math.min(12, e.stored));
  if (!readAt(file, start, pre)) return undefined;
  const pv = new DataView(pre.buffer);
  const dataAt = pre.length < 12
    ? 0
    : pre[6] === 1
    ? 10 + pv.getUint16(8, true)
    : 12 + pv.getUint32(8, true);
  return { start, dataAt };
}

/** Reads one stored entry into an aligned buffer of its own and parses it. */
function readEntry(file: Deno.FsFile, size: number, path: string, e: Entry): NpyArray | undefined {
  const where = entryStart(file, size, e);
  if (!where) return undefined;
  const pad = (8 - (where.dataAt % 8)) % 8;
  const buf = new Uint8Array(pad + e.stored);
  if (!readAt(file, where.start, buf.subarray(pad))) return undefined;
  return parseNpy(buf.subarray(pad), `${path}:${e.name}`, true);
}

/** Opens `path` for reading; undefined when it cannot be opened. */
function openFile(path: string): Deno.FsFile | undefined {
  try {
    return Deno.openSync(path, { read: true });
  } catch {
    return undefined;
  }
}

/** The archive's entries when every one is stored and unencrypted, else undefined. */
function storedEntries(file: Deno.FsFile, size: number): Entry[] | undefined {
  const entries = centralDirectory(file, size);
  if (!entries || !entries.every((e) => e.method === 0 && (e.flags & 1) === 0)) return undefined;
  return entries.filter((e) => !e.name.endsWith("/")); // directory entries hold nothing
}

/** An array's name in the archive: the entry's name without `.npy`. */
function arrayName(entry: string): string {
  return entry.endsWith(".npy") ? entry.slice(0, -4) : entry;
}

/**
 * The arrays of an archive whose entries are all stored, read straight
 * from the file; `undefined` for any other archive (deflated, encrypted,
 * malformed, unreadable), which {@link readNpzDirect} then hands to
 * `readNpz`. Errors inside a well-formed entry (not a .npy) throw.
 *
 * @example
 * ```ts
 * const arrays = readStoredNpz("acts.npz"); // undefined for np.savez_compressed files
 * ```
 */
export function readStoredNpz(path: string): Map<string, NpyArray> | undefined {
  const file = openFile(path);
  if (!file) return undefined;
  try {
    const size = file.statSync().size;
    const entries = storedEntries(file, size);
    if (!entries) return undefined;
    const out = new Map<string, NpyArray>();
    for (const e of entries) {
      const a = readEntry(file, size, path, e);
      if (!a) return undefined;
      out.set(arrayName(e.name), a);
    }
    return out;
  } finally {
    file.close();
  }
}

/** One array of a stored archive, as its `.npy` header declares it. */
export interface StoredArray {
  /** Name in the archive, without `.npy`. */
  name: string;
  /** Numpy type code without byte order (`f4`, `f8`, `i8`, ...). */
  dtype: string;
  /** Size of each dimension, outermost first. */
  shape: number[];
  /**
   * Whether {@link StoredNpz.readFloat32} reads it: `f4` or `f8`, stored
   * little-endian in C order.
   */
  streamable: boolean;
}

/**
 * A stored archive kept open: the arrays' headers are read, their numbers
 * are read when asked for, straight into the caller's buffers (which can
 * be reused, so reading an archive larger than memory needs only one
 * snapshot's room).
 */
export interface StoredNpz {
  /** The archive's path. */
  readonly path: string;
  /** Its arrays in file order, keyed by name. */
  readonly arrays: ReadonlyMap<string, StoredArray>;
  /**
   * Reads elements `start .. start + out.length` (row-major) of array
   * `name` into `out` as float32. Throws a RangeError for an array that is
   * not streamable or a range outside it, a {@link LensError} when the file
   * ends early (it changed while being read).
   */
  readFloat32(name: string, start: number, out: Float32Array): void;
  /** The whole array `name`, any dtype (as {@link readStoredNpz} reads it). */
  read(name: string): NpyArray;
  /** Closes the file. */
  close(): void;
}

/**
 * Opens an archive whose entries are all stored (`np.savez`) and reads its
 * arrays' headers; undefined for any other archive (deflated, encrypted,
 * malformed, truncated, unreadable), which the whole-file reader then
 * takes and names what is wrong. A header that is not a supported `.npy`
 * one throws, as in {@link readStoredNpz}.
 *
 * @example
 * ```ts
 * const npz = openStoredNpz("acts.npz");
 * if (npz) {
 *   const row0 = new Float32Array(10);
 *   npz.readFloat32("dense_1", 0, row0); // the first 10 numbers of dense_1
 *   npz.close();
 * }
 * ```
 */
export function openStoredNpz(path: string): StoredNpz | undefined {
  const file = openFile(path);
  if (!file) return undefined;
  const located = new Map<string, StoredArray & { at: number; count: number; entry: Entry }>();
  let size = 0;
  try {
    size = file.statSync().size;
    const entries = storedEntries(file, size);
    for (const e of entries ?? []) {
      const where = entryStart(file, size, e);
      if (!where || where.dataAt === 0 || where.dataAt > e.stored) break;
      const head = new Uint8Array(where.dataAt);
      if (!readAt(file, where.start, head)) break;
      const layout = npyLayout(head, `${path}:${e.name}`);
      if (!layout || layout.offset + layout.nbytes > e.stored) break;
      const name = arrayName(e.name);
      located.set(name, {
        name,
        dtype: layout.dtype,
        shape: layout.shape,
        streamable: (layout.dtype === "f4" || layout.dtype === "f8") && !layout.bigEndian &&
          !layout.fortran,
        at: where.start + layout.offset,
        count: layout.shape.reduce((a, b) => a * b, 1),
        entry: e,
      });
    }
    if (!entries || located.size !== entries.length) {
      file.close();
      return undefined;
    }
  } catch (err) {
    file.close();
    throw err;
  }
  const arrays = new Map<string, StoredArray>(
    [...located].map(([k, a]) => [k, {
      name: a.name,
      dtype: a.dtype,
      shape: a.shape,
      streamable: a.streamable,
    }]),
  );
  let wide = new Float64Array(0);
  const ended = (name: string) =>
    new LensError(`${name}: the file ended before the array did (did it change while read?)`, {
      code: "data",
      file: path,
      field: name,
      expected: "the file unchanged while it is read",
    });
  return {
    path,
    arrays,
    readFloat32(name, start, out) {
      const a = located.get(name);
      if (!a || !a.streamable) throw new RangeError(`${path}: ${name} is not a streamable array`);
      if (!Number.isInteger(start) || start < 0 || start + out.length > a.count) {
        throw new RangeError(
          `${path}: ${name}: elements ${start}..${start + out.length} outside 0..${a.count}`,
        );
      }
      if (a.dtype === "f4") {
        const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
        if (!readAt(file, a.at + start * 4, bytes)) throw ended(name);
        return;
      }
      if (wide.length < out.length) wide = new Float64Array(out.length);
      const w = wide.subarray(0, out.length);
      if (!readAt(file, a.at + start * 8, new Uint8Array(w.buffer, 0, w.byteLength))) {
        throw ended(name);
      }
      out.set(w);
    },
    read(name) {
      const a = located.get(name);
      if (!a) throw new RangeError(`${path}: no array ${name}`);
      const arr = readEntry(file, size, path, a.entry);
      if (!arr) throw ended(name);
      return arr;
    },
    close() {
      file.close();
    },
  };
}

/**
 * Reads an `.npz` file into arrays keyed by name, like `readNpz` of npz.ts
 * (same names, same errors), reading stored entries straight into their
 * arrays.
 *
 * @example
 * ```ts
 * const arrays = await readNpzDirect("acts.npz");
 * console.log([...arrays.keys()]); // ["dense_1", "dense_2", "output", "epochs"]
 * ```
 */
export async function readNpzDirect(path: string): Promise<Map<string, NpyArray>> {
  return readStoredNpz(path) ?? (await import("./npz.ts")).readNpz(path);
}
