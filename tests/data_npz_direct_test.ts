/**
 * readNpzDirect (core/data/npz_direct.ts) against readNpz: the same arrays
 * from files numpy wrote (stored and deflated), from archives with entries
 * at every byte alignment, from a zip64 archive (as numpy writes above
 * 4 GiB), and the same errors for broken files; stored entries come back
 * as views of one buffer per entry, not of a copy of the whole file.
 * openStoredNpz reads any range of a float array into the caller's buffer
 * (the same numbers as the whole-file reader), and the snapshot source
 * built on it refills one buffer per layer.
 */
import assert from "node:assert/strict";
import { LensError } from "../core/errors.ts";
import type { NpyArray } from "../core/data/npy.ts";
import { encodeNpz, readNpz } from "../core/data/npz.ts";
import {
  openStoredNpz,
  readNpzDirect,
  readStoredNpz,
  type StoredArray,
} from "../core/data/npz_direct.ts";
import { checkStoredFinite, npzSnapshots } from "../core/data/npz_snapshots.ts";

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

/**
 * Arrays named by 1..8 characters, so each entry's data sits one byte
 * further along than the last (odd: f8 vectors, even: f4 columns), `n + k`
 * numbers each.
 */
function everyAlignment(n: number): Record<string, NpyArray> {
  const arrays: Record<string, NpyArray> = {};
  for (let k = 1; k <= 8; k++) {
    const len = n + k;
    arrays["abcdefgh".slice(0, k)] = k % 2
      ? { dtype: "f8", shape: [len], data: Float64Array.from({ length: len }, (_, i) => i / 7 - k) }
      : { dtype: "f4", shape: [len, 1], data: Float32Array.from({ length: len }, (_, i) => i * k) };
  }
  return arrays;
}

Deno.test("readNpzDirect: entries at every alignment are aligned views of their own buffer", () => {
  const arrays = everyAlignment(50);
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

Deno.test("openStoredNpz: any range of an f4 / f8 array, at every alignment and in zip64", () => {
  const arrays = everyAlignment(60);
  arrays.ints = { dtype: "i4", shape: [3], data: new Int32Array([7, 8, 9]) };
  const bytes = encodeNpz(arrays);
  for (const zip of [bytes, toZip64(bytes)]) {
    withFile(zip, (path) => {
      const npz = openStoredNpz(path)!;
      assert.ok(npz);
      try {
        assert.deepEqual([...npz.arrays.keys()], Object.keys(arrays));
        for (const [name, a] of Object.entries(arrays)) {
          const info: StoredArray = npz.arrays.get(name)!;
          assert.deepEqual(info.shape, a.shape, name);
          assert.equal(info.streamable, a.dtype !== "i4", name);
          if (!info.streamable) {
            assert.deepEqual([...npz.read(name).data], [...a.data], name);
            assert.throws(() => npz.readFloat32(name, 0, new Float32Array(1)), RangeError);
            continue;
          }
          // every start and length of 5 at the ends and in the middle
          for (const start of [0, 1, 2, 3, 17, a.data.length - 5]) {
            const out = new Float32Array(5);
            npz.readFloat32(name, start, out);
            const want = Float32Array.from(a.data.subarray(start, start + 5) as Float64Array);
            assert.deepEqual([...out], [...want], `${name} at ${start}`);
          }
          assert.throws(
            () => npz.readFloat32(name, a.data.length - 2, new Float32Array(3)),
            RangeError,
          );
        }
      } finally {
        npz.close();
      }
    });
  }
  // deflated archives and broken ones are left to the whole-file reader
  assert.equal(openStoredNpz(fix("xy_compressed.npz")), undefined);
  withFile(
    bytes.slice(0, bytes.length - 30),
    (path) => assert.equal(openStoredNpz(path), undefined),
  );
  assert.equal(openStoredNpz("/nonexistent/acts.npz"), undefined);
});

Deno.test("openStoredNpz: big-endian or Fortran-ordered arrays are not streamed; a file cut after opening is named", () => {
  const a = { dtype: "f4", shape: [4, 2], data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]) };
  const bytes = encodeNpz({ a });
  // flip the header's '<f4' to '>f4', then to Fortran order (same header length)
  const text = new TextDecoder("latin1").decode(bytes);
  for (
    const [from, to] of [["'<f4'", "'>f4'"], ["'fortran_order': False", "'fortran_order': True "]]
  ) {
    const at = text.indexOf(from);
    assert.ok(at > 0, from);
    const edited = bytes.slice();
    edited.set(new TextEncoder().encode(to), at);
    withFile(edited, (path) => {
      const npz = openStoredNpz(path);
      assert.ok(npz, to);
      assert.equal(npz.arrays.get("a")!.streamable, false, to);
      npz.close();
    });
  }
  withFile(bytes, (path) => {
    const npz = openStoredNpz(path)!;
    try {
      Deno.truncateSync(path, 60);
      assert.throws(
        () => npz.readFloat32("a", 0, new Float32Array(8)),
        (e: unknown) => e instanceof LensError && e.message.includes("the file ended"),
      );
    } finally {
      npz.close();
    }
  });
});

Deno.test("npz snapshots: each load refills one buffer per layer; the finite check names the first bad element", () => {
  const [E, N] = [3, 5];
  const h = Float32Array.from({ length: E * N * 2 }, (_, i) => Math.sin(i));
  const o = Float64Array.from({ length: E * N * 3 }, (_, i) => i / 3);
  withFile(
    encodeNpz({
      h: { dtype: "f4", shape: [E, N, 2], data: h },
      o: { dtype: "f8", shape: [E, N, 3], data: o },
    }),
    (path) => {
      const npz = openStoredNpz(path)!;
      try {
        const layers = [{ name: "h", rows: N, cols: 2 }, { name: "o", rows: N, cols: 3 }];
        checkStoredFinite(npz, layers, E);
        const src = npzSnapshots(npz, layers, [0, 10, 100]);
        const first = src.load(0).get("h")!.data;
        for (let s = E - 1; s >= 0; s--) {
          const cache = src.load(s);
          assert.equal(cache.get("h")!.data, first, "the same buffer every time");
          assert.deepEqual([...cache.get("h")!.data], [...h.subarray(s * N * 2, (s + 1) * N * 2)]);
          const want = Float32Array.from(o.subarray(s * N * 3, (s + 1) * N * 3));
          assert.deepEqual([...cache.get("o")!.data], [...want]);
          assert.equal(cache.get("o")!.rows, N);
        }
        assert.throws(() => src.load(E), RangeError);
      } finally {
        npz.close();
      }
    },
  );
  // a NaN past the first 1 MiB chunk: its index over the whole array
  const big = new Float32Array(300_000);
  big[270_001] = NaN;
  withFile(encodeNpz({ x: { dtype: "f4", shape: [3, 100_000, 1], data: big } }), (path) => {
    const npz = openStoredNpz(path)!;
    try {
      assert.throws(
        () => checkStoredFinite(npz, [{ name: "x", rows: 100_000, cols: 1 }], 3),
        (e: unknown) =>
          e instanceof LensError && e.message.includes(": x: element 270001 is NaN") &&
          e.field === "x" && e.file === path,
      );
    } finally {
      npz.close();
    }
  });
});
