/**
 * .npy / .npz reading and writing, checked against files numpy wrote
 * (tests/fixtures/make_fixtures.py; every value below is spelled out there),
 * and the array conversions of core/data/ndarray.ts.
 */
import assert from "node:assert/strict";
import { LensError } from "../core/errors.ts";
import { checkFinite, toFloat32, toInt32Labels } from "../core/data/ndarray.ts";
import { encodeNpy, type NpyArray, parseNpy, readNpy, writeNpy } from "../core/data/npy.ts";
import { encodeNpz, parseNpz, readNpz, writeNpz } from "../core/data/npz.ts";

const FIX = new URL("./fixtures/data/", import.meta.url);
const fix = (name: string) => new URL(name, FIX).pathname;
const npy = (name: string) => readNpy(fix(`npy/${name}`));

/** Asserts that `fn` throws a LensError whose message contains every part. */
function throwsLens(fn: () => unknown, ...parts: string[]): LensError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof LensError, `expected a LensError, got ${caught}`);
  for (const p of parts) {
    assert.ok(caught.message.includes(p), `message ${JSON.stringify(caught.message)} lacks ${p}`);
  }
  return caught;
}

Deno.test("npy: float32 and float64 files written by numpy", () => {
  const a = npy("f4_2x3.npy");
  assert.equal(a.dtype, "f4");
  assert.deepEqual(a.shape, [2, 3]);
  assert.ok(a.data instanceof Float32Array);
  assert.deepEqual(
    [...a.data],
    [0.5, -1.25, Math.fround(0.1), Math.fround(3.0e38), -0, 7].map(Math.fround),
  );
  assert.ok(Object.is(a.data[4], -0), "negative zero survives");

  const b = npy("f8_vec.npy");
  assert.equal(b.dtype, "f8");
  assert.deepEqual(b.shape, [4]);
  assert.ok(b.data instanceof Float64Array);
  assert.deepEqual([...b.data], [0.1, -2.5, 1e300, 5e-324]);
});

Deno.test("npy: every integer dtype with its extreme values", () => {
  const cases: [string, string, unknown, unknown[]][] = [
    ["i1.npy", "i1", Int8Array, [-128, -1, 0, 127]],
    ["u1.npy", "u1", Uint8Array, [0, 1, 128, 255]],
    ["i2.npy", "i2", Int16Array, [-32768, -2, 3, 32767]],
    ["u2.npy", "u2", Uint16Array, [0, 1, 40000, 65535]],
    ["i4.npy", "i4", Int32Array, [-2147483648, -3, 4, 2147483647]],
    ["u4.npy", "u4", Uint32Array, [0, 5, 3000000000, 4294967295]],
    ["i8.npy", "i8", BigInt64Array, [-(2n ** 63n), -7n, 8n, 2n ** 63n - 1n]],
    ["u8.npy", "u8", BigUint64Array, [0n, 9n, 2n ** 53n + 1n, 2n ** 64n - 1n]],
  ];
  for (const [file, dtype, ctor, values] of cases) {
    const a = npy(file);
    assert.equal(a.dtype, dtype, file);
    assert.deepEqual(a.shape, [4], file);
    assert.equal(a.data.constructor, ctor, file);
    assert.deepEqual([...a.data], values, file);
  }
});

Deno.test("npy: booleans become a Uint8Array of 0/1", () => {
  const a = npy("b1.npy");
  assert.equal(a.dtype, "b1");
  assert.deepEqual(a.shape, [3, 2]);
  assert.ok(a.data instanceof Uint8Array);
  assert.deepEqual([...a.data], [1, 0, 0, 1, 1, 1]);
});

Deno.test("npy: Fortran order is transposed to C order", () => {
  // numpy: np.asfortranarray(np.arange(24).reshape(2, 3, 4)); in C order it reads 0..23
  const a = npy("i4_fortran_2x3x4.npy");
  assert.deepEqual(a.shape, [2, 3, 4]);
  assert.deepEqual([...a.data], Array.from({ length: 24 }, (_, i) => i));
  // the file itself stores column-major: element (0,0,1) = 1 sits at position 6 (= 2*3)
  const raw = Deno.readFileSync(fix("npy/i4_fortran_2x3x4.npy"));
  const text = new TextDecoder().decode(raw.subarray(0, 128));
  assert.ok(text.includes("'fortran_order': True"));
  const body = new Int32Array(raw.slice(raw.length - 96).buffer);
  assert.equal(body[6], 1);
  assert.equal(body[1], 12);
});

Deno.test("npy: big-endian files are converted", () => {
  const a = npy("f8_bigendian_2x2.npy");
  assert.equal(a.dtype, "f8");
  assert.deepEqual(a.shape, [2, 2]);
  assert.deepEqual([...a.data], [1.5, -2.0, 0.1, 1e-300]);
  const b = npy("i4_bigendian.npy");
  assert.deepEqual([...b.data], [1, -2, 65536]);
});

Deno.test("npy: format versions 2.0 and 3.0, scalar and empty arrays", () => {
  const v2 = npy("u1_v2_2x2.npy");
  assert.equal(Deno.readFileSync(fix("npy/u1_v2_2x2.npy"))[6], 2);
  assert.deepEqual(v2.shape, [2, 2]);
  assert.deepEqual([...v2.data], [1, 2, 3, 4]);
  const v3 = npy("f4_v3_3.npy");
  assert.equal(Deno.readFileSync(fix("npy/f4_v3_3.npy"))[6], 3);
  assert.deepEqual([...v3.data], [1, 2, 3.5]);
  const s = npy("f8_scalar.npy");
  assert.deepEqual(s.shape, []);
  assert.deepEqual([...s.data], [3.5]);
  const e = npy("f4_empty_0x3.npy");
  assert.deepEqual(e.shape, [0, 3]);
  assert.equal(e.data.length, 0);
});

Deno.test("npy: unsupported kinds are refused naming the file and the dtype", () => {
  throwsLens(() => npy("object.npy"), "object.npy", "object arrays", "pickle");
  throwsLens(() => npy("structured.npy"), "structured.npy", "structured arrays");
  throwsLens(() => npy("f2.npy"), "f2.npy", "unsupported dtype '<f2'");
  throwsLens(() => npy("unicode.npy"), "unicode.npy", "unsupported dtype '<U2'");
});

Deno.test("npy: malformed bytes give a LensError naming the file", () => {
  const good = Deno.readFileSync(fix("npy/f4_2x3.npy"));
  throwsLens(() => parseNpy(new TextEncoder().encode("hello world"), "a.npy"), "a.npy", "magic");
  throwsLens(() => parseNpy(good.slice(0, good.length - 3), "cut.npy"), "cut.npy", "truncated");
  throwsLens(() => parseNpy(good.slice(0, 40), "head.npy"), "head.npy", "header claims");
  const v9 = good.slice();
  v9[6] = 9;
  throwsLens(() => parseNpy(v9, "v9.npy"), "v9.npy", "version 9.0");
  const broken = good.slice();
  broken[10] = "[".charCodeAt(0); // the header dict's "{" becomes "["
  throwsLens(() => parseNpy(broken, "broken.npy"), "broken.npy", "header");
  const tmp = Deno.makeTempFileSync({ suffix: ".npy" });
  try {
    Deno.writeFileSync(tmp, good.slice(0, 70));
    const e = throwsLens(() => readNpy(tmp), tmp);
    assert.equal(e.file, tmp);
  } finally {
    Deno.removeSync(tmp);
  }
  const missing = throwsLens(() => readNpy("/nonexistent/dir/x.npy"), "/nonexistent/dir/x.npy");
  assert.equal(missing.code, "not_found");
});

Deno.test("npy: encode then parse round-trips every dtype, and matches numpy's bytes", () => {
  const arrays: NpyArray[] = [
    { dtype: "f4", shape: [2, 3], data: new Float32Array([1, -2, 3.25, 0, 1e-20, 7]) },
    { dtype: "f8", shape: [3], data: new Float64Array([Math.PI, -0, 1e308]) },
    { dtype: "i1", shape: [2], data: new Int8Array([-128, 127]) },
    { dtype: "u1", shape: [1, 1, 2], data: new Uint8Array([0, 255]) },
    { dtype: "i2", shape: [2], data: new Int16Array([-32768, 5]) },
    { dtype: "u2", shape: [2], data: new Uint16Array([65535, 5]) },
    { dtype: "i4", shape: [], data: new Int32Array([-42]) },
    { dtype: "u4", shape: [2], data: new Uint32Array([4294967295, 0]) },
    { dtype: "i8", shape: [2], data: new BigInt64Array([-(2n ** 63n), 1n]) },
    { dtype: "u8", shape: [2], data: new BigUint64Array([2n ** 64n - 1n, 3n]) },
    { dtype: "b1", shape: [3], data: new Uint8Array([1, 0, 1]) },
    { dtype: "f4", shape: [0, 4], data: new Float32Array(0) },
  ];
  for (const a of arrays) {
    const bytes = encodeNpy(a);
    assert.equal(bytes.indexOf(0x0a) + 1, bytes.length - a.data.byteLength, "header ends in \\n");
    assert.equal((bytes.length - a.data.byteLength) % 64, 0, "data starts 64-byte aligned");
    const b = parseNpy(bytes, "roundtrip.npy");
    assert.equal(b.dtype, a.dtype);
    assert.deepEqual(b.shape, a.shape);
    assert.equal(b.data.constructor, a.data.constructor);
    assert.deepEqual([...b.data], [...a.data]);
  }
  // numpy 1.24 writes the same header text for a C-order little-endian f4 array
  const ours = encodeNpy(npy("f4_2x3.npy"));
  const theirs = Deno.readFileSync(fix("npy/f4_2x3.npy"));
  assert.deepEqual(ours, theirs);
  // and writeNpy / readNpy through a file
  const tmp = Deno.makeTempFileSync({ suffix: ".npy" });
  try {
    writeNpy(tmp, arrays[0]);
    assert.deepEqual([...readNpy(tmp).data], [...arrays[0].data]);
  } finally {
    Deno.removeSync(tmp);
  }
});

Deno.test("npy: encode rejects a dtype / data / shape mismatch", () => {
  throwsLens(
    () => encodeNpy({ dtype: "f4", shape: [2], data: new Float64Array(2) }),
    "Float64Array",
  );
  throwsLens(() => encodeNpy({ dtype: "f4", shape: [3], data: new Float32Array(2) }), "shape [3]");
  throwsLens(() => encodeNpy({ dtype: "c8", shape: [1], data: new Float32Array(2) }), "'c8'");
});

Deno.test("npz: np.savez (stored) and np.savez_compressed (deflated)", () => {
  for (const file of ["xy_plain.npz", "xy_compressed.npz"]) {
    const arrays = readNpz(fix(file));
    assert.deepEqual([...arrays.keys()].sort(), ["x", "y"], file);
    const x = arrays.get("x")!;
    assert.equal(x.dtype, "f4");
    assert.deepEqual(x.shape, [5, 2, 2]);
    assert.deepEqual([...x.data], Array.from({ length: 20 }, (_, i) => i * 0.25));
    const y = arrays.get("y")!;
    assert.equal(y.dtype, "i8");
    assert.deepEqual([...y.data], [0n, 1n, 2n, 1n, 0n]);
  }
});

Deno.test("npz: write then read, stored and deflated", () => {
  const arrays: Record<string, NpyArray> = {
    x: { dtype: "f4", shape: [100, 3], data: new Float32Array(300).fill(0.5) },
    labels: { dtype: "i4", shape: [100], data: Int32Array.from({ length: 100 }, (_, i) => i % 3) },
  };
  const stored = encodeNpz(arrays);
  const deflated = encodeNpz(arrays, true);
  assert.ok(deflated.length < stored.length / 4, "constant data deflates well");
  for (const bytes of [stored, deflated]) {
    const back = parseNpz(bytes, "rt.npz");
    assert.deepEqual([...back.keys()].sort(), ["labels", "x"]);
    assert.deepEqual(back.get("x")!.shape, [100, 3]);
    assert.deepEqual([...back.get("labels")!.data], [...arrays.labels.data]);
  }
  const tmp = Deno.makeTempFileSync({ suffix: ".npz" });
  try {
    writeNpz(tmp, arrays, true);
    assert.deepEqual([...readNpz(tmp).get("x")!.data], [...arrays.x.data]);
  } finally {
    Deno.removeSync(tmp);
  }
});

Deno.test("npz: a non-zip file or a bad entry names the file", () => {
  const npyBytes = Deno.readFileSync(fix("npy/f4_2x3.npy"));
  throwsLens(() => parseNpz(npyBytes, "notzip.npz"), "notzip.npz", "zip");
  const bad = encodeNpz({ a: { dtype: "u1", shape: [1], data: new Uint8Array([1]) } });
  // corrupt the magic of the entry: its local header (30 bytes) and name "a.npy" come first
  bad[30 + 5] = 0;
  throwsLens(() => parseNpz(bad, "bad.npz"), "bad.npz:a.npy", "magic");
  throwsLens(() => readNpz("/nonexistent/y.npz"), "/nonexistent/y.npz", "not found");
});

Deno.test("ndarray: toFloat32 converts every dtype", () => {
  const f = new Float32Array([1, 2]);
  assert.equal(toFloat32({ dtype: "f4", shape: [2], data: f }), f, "float32 is passed through");
  assert.deepEqual([...toFloat32(npy("u1.npy"))], [0, 1, 128, 255]);
  assert.deepEqual([...toFloat32(npy("i8.npy"))], [-(2 ** 63), -7, 8, 2 ** 63]);
  assert.deepEqual([...toFloat32(npy("f8_vec.npy"))], [0.1, -2.5, Infinity, 0].map(Math.fround));
  assert.deepEqual([...toFloat32(npy("b1.npy"))], [1, 0, 0, 1, 1, 1]);
});

Deno.test("ndarray: toInt32Labels takes integers, whole floats and one-hot rows", () => {
  const lab = (dtype: string, shape: number[], data: NpyArray["data"]) =>
    toInt32Labels({ dtype, shape, data }, "f.npz", "y");
  assert.deepEqual([...lab("i8", [3], new BigInt64Array([2n, 0n, 1n]))], [2, 0, 1]);
  assert.deepEqual([...lab("u1", [3, 1], new Uint8Array([4, 0, 9]))], [4, 0, 9]);
  assert.deepEqual([...lab("f8", [2], new Float64Array([3, 1]))], [3, 1]);
  const onehot = readNpz(fix("x_onehot.npz")).get("targets")!;
  assert.deepEqual(onehot.shape, [5, 3]);
  assert.deepEqual([...toInt32Labels(onehot, "x_onehot.npz", "targets")], [2, 0, 1, 1, 0]);

  throwsLens(() => lab("f4", [2], new Float32Array([1, 1.5])), "f.npz", "y", "label 1 is 1.5");
  throwsLens(() => lab("i4", [2], new Int32Array([0, -1])), "f.npz", "label 1 is -1");
  throwsLens(
    () => lab("f4", [2, 2], new Float32Array([1, 0, 0.5, 0.5])),
    "row 1",
    "not one-hot",
  );
  throwsLens(() => lab("f4", [2, 2], new Float32Array([1, 0, 0, 0])), "row 1", "has no 1");
  throwsLens(() => lab("f4", [2, 2], new Float32Array([1, 1, 0, 1])), "row 0", "not one-hot");
  throwsLens(() => lab("i4", [1, 2, 2], new Int32Array(4)), "shape [1, 2, 2]");
});

Deno.test("ndarray: checkFinite names the array and the first bad index", () => {
  checkFinite(new Float32Array([0, -1, 3e38]), "a.npy", "x");
  const e = throwsLens(
    () => checkFinite(new Float32Array([0, 1, NaN, Infinity]), "a.npy", "x"),
    "a.npy",
    "x",
    "element 2 is NaN",
  );
  assert.equal(e.field, "x");
  throwsLens(() => checkFinite(new Float32Array([-Infinity]), "b.npy", "x"), "element 0");
});
