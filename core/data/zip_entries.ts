/**
 * The entries of a zip archive, read from its central directory (zip64
 * included) without decompressing anything: name, method, sizes and where
 * the compressed bytes lie. A structure that points outside the archive is
 * an error naming the file.
 *
 * @module
 */
import { LensError } from "../errors.ts";

/** One file in a zip archive. */
export interface ZipEntry {
  /** Path inside the archive. */
  name: string;
  /** 0 stored, 8 deflated (others are refused by the caller). */
  method: number;
  /** Whether the entry is encrypted (general-purpose flag bit 0). */
  encrypted: boolean;
  /** Size of the stored bytes. */
  compressedSize: number;
  /** Size the directory declares once decompressed (not to be trusted). */
  declaredSize: number;
  /** The compressed bytes (a view into the archive). */
  data: Uint8Array;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function fail(file: string, message: string): never {
  throw new LensError(`not a readable .npz (zip) archive: ${message}`, {
    code: "data",
    file,
    expected: "a zip of .npy files written by numpy.savez or numpy.savez_compressed",
  });
}

/**
 * Lists the entries of the zip archive `bytes` (`file` names it in errors).
 *
 * @example
 * ```ts
 * for (const e of zipEntries(Deno.readFileSync("a.npz"), "a.npz")) console.log(e.name);
 * ```
 */
export function zipEntries(bytes: Uint8Array, file: string): ZipEntry[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  const u32 = (o: number) => (o + 4 <= n ? v.getUint32(o, true) : fail(file, "cut short"));
  const u16 = (o: number) => (o + 2 <= n ? v.getUint16(o, true) : fail(file, "cut short"));
  const u64 = (o: number) => {
    const x = o + 8 <= n ? v.getBigUint64(o, true) : fail(file, "cut short");
    return x > BigInt(Number.MAX_SAFE_INTEGER) ? fail(file, "a size past 2^53") : Number(x);
  };
  // the end-of-central-directory record: within the last 22 + 65535 bytes
  let eocd = -1;
  for (let o = n - 22; o >= Math.max(0, n - 22 - 65535); o--) {
    if (v.getUint32(o, true) === EOCD) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) fail(file, "no end-of-central-directory record");
  let count = u16(eocd + 10);
  let dirOffset = u32(eocd + 16);
  if (eocd >= 20 && u32(eocd - 20) === EOCD64_LOCATOR) {
    const at = u64(eocd - 12);
    if (u32(at) !== EOCD64) fail(file, "a bad zip64 end-of-central-directory record");
    count = u64(at + 32);
    dirOffset = u64(at + 48);
  }
  if (count > n / 46) fail(file, `the directory claims ${count} entries`);
  const entries: ZipEntry[] = [];
  let o = dirOffset;
  for (let i = 0; i < count; i++) {
    if (u32(o) !== CENTRAL) fail(file, `entry ${i} of the central directory is damaged`);
    const flags = u16(o + 8);
    const method = u16(o + 10);
    let compressedSize = u32(o + 20);
    let declaredSize = u32(o + 24);
    const nameLen = u16(o + 28);
    const extraLen = u16(o + 30);
    const commentLen = u16(o + 32);
    let local = u32(o + 42);
    if (o + 46 + nameLen > n) fail(file, "cut short");
    const name = new TextDecoder().decode(bytes.subarray(o + 46, o + 46 + nameLen));
    // zip64 extra field: the 64-bit values of the fields set to 0xFFFFFFFF, in order
    let e = o + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(e);
      const size = u16(e + 2);
      if (id === 0x0001) {
        let p = e + 4;
        if (declaredSize === 0xffffffff) {
          declaredSize = u64(p);
          p += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(p);
          p += 8;
        }
        if (local === 0xffffffff) local = u64(p);
      }
      e += 4 + size;
    }
    if (u32(local) !== LOCAL) fail(file, `the local header of ${name} is missing`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + compressedSize > n) fail(file, `${name} runs past the end of the file`);
    entries.push({
      name,
      method,
      encrypted: (flags & 1) !== 0,
      compressedSize,
      declaredSize,
      data: bytes.subarray(start, start + compressedSize),
    });
    o = extraEnd + commentLen;
  }
  return entries;
}
