/**
 * readNpzDirect (core/data/npz_direct.ts) against readNpz: the same arrays
 * from files numpy wrote (stored and deflated), from archives with entries
 * at every byte alignment, from a zip64 archive (as numpy writes above
 * 4 GiB), and the same errors for broken files; stored entries come back
 * as views of one buffer per entry, not of a copy of the whole file.
 */
import assert from "node:assert/strict";
import { LensError } from "../core/errors.ts";
import type { NpyArray } from "../core/data/npy.ts";
import { encodeNpz, readNpz } from "../core/data/npz.ts";
import { readNpzDirect, readStoredNpz } from "../core/data/npz_direct.ts";

const FIX = new URL("./fixtures/data/", import.meta.url);
const fix = (name: string) => new URL(name, FIX).pathname;

function same(a: Map<string, NpyArray>, b: Map<string, NpyArray>, what: string) {
  assert.deepEqual([...a.keys()], [...b.keys()], what);
  for (const [k, x] of a) {
    const y = b.get(k)!;
    assert.equal(x.dtype, y.dtype, `${what} ${k}`);
    assert.deepEqual(x.shape, y.shape, `${what} ${k}`);
    assert.equal(x.data.constructor, y.data.constructor, `${what} ${k}`);
    assert.deepEqual([...x.data], [...y.data], `${what} ${k}`);
  }
}

function withFile(bytes: Uint8Array, fn: (path: string) => void) {
  const path = Deno.makeTempFileSync({ suffix: ".npz" });
  try {
    Deno.writeFileSync(path, bytes);
    fn(path);
  } finally {
    Deno.removeSync(path);
  }
}

/** Rewrites a stored zip's central directory the zip64 way (sizes and offsets in the extra field). */
function toZip64(zip: Uint8Array): Uint8Array {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const e = zip.length - 22;
  assert.equal(v.getUint32(e, true), 0x06054b50);
  const count = v.getUint16(e + 10, true), cdOffset = v.getUint32(e + 16, true);
  const parts: Uint8Array[] = [zip.subarray(0, cdOffset)];
  let p = cdOffset, cdSize = 0;
  for (let k = 0; k < count; k++) {
    const n = v.getUint16(p + 28, true),
      x = v.getUint16(p + 30, true),
      c = v.getUint16(p + 32, true);
    const rec = new Uint8Array(46 + n + 28 + c);
    rec.set(zip.subarray(p, p + 46 + n));
    const rv = new DataView(rec.buffer);
    const size = v.getUint32(p + 24, true), stored = v.getUint32(p + 20, true);
    const local = v.getUint32(p + 42, true);
    rv.setUint32(20, 0xffffffff, true);
    rv.setUint32(24, 0xffffffff, true);
    rv.setUint32(42, 0xffffffff, true);
    rv.setUint16(30, 28, true);
    rv.setUint16(46 + n, 0x0001, true);
    rv.setUint16(48 + n, 24, true);
    rv.setBigUint64(50 + n, BigInt(size), true);
    rv.setBigUint64(58 + n, BigInt(stored), true);
    rv.setBigUint64(66 + n, BigInt(local), true);
    parts.push(rec);
    cdSize += rec.length;
    p += 46 + n + x + c;
  }
  const end64 = new Uint8Array(56 + 20 + 22);
  const ev = new DataView(end64.buffer);
  const end64At = cdOffset + cdSize;
  ev.setUint32(0, 0x06064b50, true);
  ev.setBigUint64(4, 44n, true);
  ev.setBigUint64(24, BigInt(count), true);
  ev.setBigUint64(32, BigInt(count), true);
  ev.setBigUint64(40, BigInt(cdSize), true);
  ev.setBigUint64(48, BigInt(cdOffset), true);
  ev.setUint32(56, 0x07064b50, true);
  ev.setBigUint64(64, BigInt(end64At), true);
  ev.setUint32(72, 1, true);
  ev.setUint32(76, 0x06054b50, true);
  ev.setUint16(84, 0xffff, true); // entries on this disk
  ev.setUint16(86, 0xffff, true); // entries
  ev.setUint32(88, 0xffffffff, true); // size of the central directory
  ev.setUint32(92, 0xffffffff, true); // its offset
  parts.push(end64);
  const out = new Uint8Array(parts.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

Deno.test("readNpzDirect reads numpy's files like readNpz (stored, deflated, one-hot)", async () => {
  for (const f of ["xy_plain.npz", "xy_compressed.npz", "x_onehot.npz"]) {
    same(await readNpzDirect(fix(f)), readNpz(fix(f)), f);
  }
  // the direct path takes the stored files and leaves the deflated one to readNpz
  assert.ok(readStoredNpz(fix("xy_plain.npz")));
  assert.equal(readStoredNpz(fix("xy_compressed.npz")), undefined);
});

Deno.test("readNpzDirect: entries at every alignment are aligned views of their own buffer", () => {
  // names of 1..8 characters shift each entry's data by one byte more
  const arrays: Record<string, NpyArray> = {};
  for (let k = 1; k <= 8; k++) {
    const n = 50 + k;
    arrays["abcdefgh".slice(0, k)] = k % 2
      ? { dtype: "f8", shape: [n], data: Float64Array.from({ length: n }, (_, i) => i / 7 - k) }
      : { dtype: "f4", shape: [n, 1], data: Float32Array.from({ length: n }, (_, i) => i * k) };
  }
  const bytes = encodeNpz(arrays);
  withFile(bytes, (path) => {
    const got = readStoredNpz(path);
    assert.ok(got, "read directly");
    same(got, readNpz(path), "aligned");
    for (const [k, a] of got) {
      assert.equal(a.data.byteOffset % a.data.BYTES_PER_ELEMENT, 0, k);
      assert.ok(a.data.buffer.byteLength < a.data.byteLength + 200, `${k}: not a view of the file`);
    }
  });
  withFile(toZip64(bytes), (path) => {
    const direct = readStoredNpz(path);
    assert.ok(direct, "the zip64 archive is read directly");
    same(direct, readNpz(path), "zip64");
  });
});

Deno.test("readNpzDirect: broken files give readNpz's errors", async () => {
  const good = encodeNpz({ a: { dtype: "f4", shape: [3], data: new Float32Array([1, 2, 3]) } });
  const message = async (fn: () => unknown) => {
    try {
      await fn();
    } catch (e) {
      assert.ok(e instanceof LensError, String(e));
      return e.message;
    }
    assert.fail("no error");
  };
  const badMagic = good.slice();
  badMagic[30 + 5] = 0; // first byte of the entry a.npy
  const cases: [string, Uint8Array][] = [
    ["truncated", good.slice(0, good.length - 30)],
    ["bad magic", badMagic],
    ["not a zip", new TextEncoder().encode("hello, this is not a zip archive at all")],
    ["empty", new Uint8Array(0)],
  ];
  for (const [what, bytes] of cases) {
    const path = Deno.makeTempFileSync({ suffix: ".npz" });
    try {
      Deno.writeFileSync(path, bytes);
      const got = await message(() => readNpzDirect(path));
      assert.equal(got, await message(() => readNpz(path)), what);
      assert.ok(got.includes(path), what);
    } finally {
      Deno.removeSync(path);
    }
  }
  const missing = "/nonexistent/acts.npz";
  assert.equal(await message(() => readNpzDirect(missing)), await message(() => readNpz(missing)));
});
