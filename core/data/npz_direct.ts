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
import { type NpyArray, parseNpy } from "./npy.ts";

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

/** Reads one stored entry into an aligned buffer of its own and parses it. */
function readEntry(file: Deno.FsFile, size: number, path: string, e: Entry): NpyArray | undefined {
  if (e.size !== e.stored) return undefined;
  const head = new Uint8Array(30);
  if (e.local + 30 > size || !readAt(file, e.local, head)) return undefined;
  const hv = new DataView(head.buffer);
  if (hv.getUint32(0, true) !== LOCAL) return undefined;
  const start = e.local + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
  if (start + e.stored > size) return undefined;
  // where the numbers start inside the .npy: 10 + header length (version 1) or 12 + (2, 3)
  const pre = new Uint8Array(Math.min(12, e.stored));
  if (!readAt(file, start, pre)) return undefined;
  const pv = new DataView(pre.buffer);
  const dataAt = pre.length < 12
    ? 0
    : pre[6] === 1
    ? 10 + pv.getUint16(8, true)
    : 12 + pv.getUint32(8, true);
  const pad = (8 - (dataAt % 8)) % 8;
  const buf = new Uint8Array(pad + e.stored);
  if (!readAt(file, start, buf.subarray(pad))) return undefined;
  return parseNpy(buf.subarray(pad), `${path}:${e.name}`, true);
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
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch {
    return undefined;
  }
  try {
    const size = file.statSync().size;
    const entries = centralDirectory(file, size);
    if (!entries || !entries.every((e) => e.method === 0 && (e.flags & 1) === 0)) return undefined;
    const out = new Map<string, NpyArray>();
    for (const e of entries) {
      if (e.name.endsWith("/")) continue; // directory entry
      const a = readEntry(file, size, path, e);
      if (!a) return undefined;
      out.set(e.name.endsWith(".npy") ? e.name.slice(0, -4) : e.name, a);
    }
    return out;
  } finally {
    file.close();
  }
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
