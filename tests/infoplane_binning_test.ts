/**
 * Binning kernels of the information-plane plugins: the reference grid,
 * numpy digitize semantics (hand-checked, then against codes numpy wrote
 * in tests/fixtures/infoplane_digitize.json, made by
 * tests/fixtures/infoplane_digitize_gen.py), fixed-width and adaptive bins,
 * and the rejection of non-finite activations.
 */
import assert from "node:assert/strict";
import { LensError } from "../core/errors.ts";
import { adaptiveBins, quantileBoundaries } from "../plugins/infoplane/adaptive_edges.ts";
import { binCodes } from "../plugins/infoplane/bin_codes.ts";
import { sizeBins } from "../plugins/infoplane/bin_size.ts";
import { assertFinite } from "../plugins/infoplane/check_inputs.ts";
import { countAtMost, referenceBin, referenceBins } from "../plugins/infoplane/digitize.ts";
import { linspaceF32, referenceEdges } from "../plugins/infoplane/grid_edges.ts";

/** The float32 neighbour of `x` (a float32 value) towards +inf or -inf. */
function f32Step(x: number, up: boolean): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (x === 0) return up ? 2 ** -149 : -(2 ** -149);
  u[0] += (x > 0) === up ? 1 : -1;
  return f[0];
}

const EDGES = referenceEdges();
const code = (a: number) => EDGES[referenceBin(EDGES, a)];

Deno.test("reference grid: float32 linspace(-1, 1, 30) computed in float64 then rounded", () => {
  assert.equal(EDGES.length, 30);
  assert.equal(EDGES[0], -1);
  assert.equal(EDGES[29], 1);
  // by hand: edge k = fround(k * (2 / 29) - 1); the middle pair is -+1/29
  assert.equal(EDGES[14], Math.fround(-1 / 29));
  assert.equal(EDGES[15], Math.fround(1 / 29));
  assert.equal(EDGES[1], Math.fround(-27 / 29));
  for (let k = 1; k < 30; k++) assert.ok(EDGES[k] > EDGES[k - 1]);
  // degenerate and single-point grids
  assert.deepEqual([...linspaceF32(2, 2, 3)], [2, 2, 2]);
  assert.deepEqual([...linspaceF32(0.5, 9, 1)], [0.5]);
});

Deno.test("digitize semantics on hand-made values around every edge", () => {
  // exactly -1 is the first bin, exactly 1 the top bin
  assert.equal(referenceBin(EDGES, -1), 0);
  assert.equal(code(-1), -1);
  assert.equal(referenceBin(EDGES, 1), 29);
  assert.equal(code(1), 1);
  // just below 1 is bin 28; just above 1 is the top bin
  assert.equal(referenceBin(EDGES, f32Step(1, false)), 28);
  assert.equal(referenceBin(EDGES, f32Step(1, true)), 29);
  // just above -1 is bin 0; just below -1 wraps to the top code (index -1)
  assert.equal(referenceBin(EDGES, f32Step(-1, true)), 0);
  assert.equal(referenceBin(EDGES, f32Step(-1, false)), 29);
  assert.equal(code(f32Step(-1, false)), 1);
  // far outside: both share the top code
  assert.equal(code(-5), 1);
  assert.equal(code(5), 1);
  assert.equal(code(-3e38), 1);
  // 0 lies between -1/29 and 1/29: bin 14
  assert.equal(referenceBin(EDGES, 0), 14);
  assert.equal(referenceBin(EDGES, -0), 14);
  assert.equal(code(0.03), Math.fround(-1 / 29));
  assert.equal(code(0.04), Math.fround(1 / 29));
  // every inner edge: at it -> its own bin, one float32 below -> the bin before
  for (let k = 1; k < 29; k++) {
    assert.equal(referenceBin(EDGES, EDGES[k]), k, `edge ${k}`);
    assert.equal(referenceBin(EDGES, f32Step(EDGES[k], true)), k, `above edge ${k}`);
    assert.equal(referenceBin(EDGES, f32Step(EDGES[k], false)), k - 1, `below edge ${k}`);
  }
  // NaN: numpy sorts it last (top bin); the plugins reject it before binning
  assert.equal(referenceBin(EDGES, NaN), 29);
  const out = new Int32Array(1);
  referenceBins(EDGES, new Float32Array([NaN]), out);
  assert.equal(out[0], 29);
  assert.equal(countAtMost(new Float32Array([0, 1, 1, 2]), 1), 3);
});

Deno.test("fast digitize equals the binary search on uniform and uneven edges", () => {
  const uneven = new Float32Array([-2, -1.5, -1.4, 0, 0.001, 3]);
  for (const edges of [EDGES, linspaceF32(-0.3172, 2.71828, 30), uneven]) {
    const values = new Float32Array(2000);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 12.9898) * 3.5;
    values.set(edges, 0);
    const out = new Int32Array(values.length);
    referenceBins(edges, values, out);
    for (let i = 0; i < values.length; i++) {
      assert.equal(out[i], referenceBin(edges, values[i]), `value ${values[i]}`);
    }
  }
});

interface Fixture {
  grids: {
    lo: number;
    hi: number;
    n: number;
    edges: number[];
    values: number[];
    codes: number[];
  }[];
  size: { size: number; values: number[]; codes: number[] };
}

const FIXTURE: Fixture = JSON.parse(
  Deno.readTextFileSync(new URL("./fixtures/infoplane_digitize.json", import.meta.url)),
);

Deno.test("bin codes equal numpy's edges[np.digitize(a, edges) - 1] (fixture)", () => {
  assert.equal(FIXTURE.grids.length, 4);
  for (const g of FIXTURE.grids) {
    const edges = linspaceF32(g.lo, g.hi, g.n);
    assert.deepEqual([...edges], g.edges, `edges of linspace(${g.lo}, ${g.hi}, ${g.n})`);
    const values = new Float32Array(g.values);
    assert.deepEqual([...values], g.values); // the fixture holds float32 values exactly
    const out = new Int32Array(values.length);
    binCodes(values, { kind: "edges", edges }, out);
    const codes = [...out].map((k) => edges[k]);
    assert.deepEqual(codes, g.codes, `grid linspace(${g.lo}, ${g.hi}, ${g.n})`);
  }
});

Deno.test("size bins: floor(a / size) in float32 as numpy (hand-checked and fixture)", () => {
  const out = new Int32Array(5);
  assert.equal(sizeBins(new Float32Array([-0.1, 0, 0.069, 0.15, -0.07]), 0.07, 0, out), -1);
  assert.deepEqual([...out], [-2, 0, 0, 2, -1]);
  // measured from an origin
  assert.equal(sizeBins(new Float32Array([1, 1.25, 1.5, 2]), 0.5, 1, out), -1);
  assert.deepEqual([...out.subarray(0, 4)], [0, 0, 1, 2]);
  // codes beyond int32 are reported, not wrapped
  assert.equal(sizeBins(new Float32Array([0, 1e30]), 0.07, 0, out), 1);
  const v = new Float32Array(FIXTURE.size.values);
  const codes = new Int32Array(v.length);
  assert.equal(binCodes(v, { kind: "size", size: FIXTURE.size.size, origin: 0 }, codes), -1);
  assert.deepEqual([...codes], FIXTURE.size.codes);
});

Deno.test("adaptive bins hold equal mass at the quantiles", () => {
  // 0..99 shuffled into 4 bins: boundaries 25, 50, 75, code = floor(v / 25)
  const v = new Float32Array(100);
  for (let i = 0; i < 100; i++) v[i] = (i * 37) % 100;
  const b = quantileBoundaries(v, 4);
  assert.deepEqual([...b], [25, 50, 75]);
  const out = new Int32Array(100);
  adaptiveBins(v, b, out);
  for (let i = 0; i < 100; i++) assert.equal(out[i], Math.floor(v[i] / 25));
  const mass = [0, 0, 0, 0];
  for (const c of out) mass[c]++;
  assert.deepEqual(mass, [25, 25, 25, 25]);
  // all values tied: one bin
  const tied = new Float32Array(10).fill(0.3);
  binCodes(tied, { kind: "adaptive", bins: 30 }, out);
  assert.ok(out.subarray(0, 10).every((c) => c === out[0]));
});

Deno.test("non-finite activations are rejected with layer, epoch, seed and index", () => {
  const at = { plugin: "mi-binned", layer: "dense_3", epoch: 7, seed: 2 };
  assertFinite({ data: new Float32Array([0, 1, -1, 0.5]), rows: 2, cols: 2 }, at);
  for (const bad of [NaN, Infinity, -Infinity]) {
    assert.throws(
      () => assertFinite({ data: new Float32Array([0, 1, bad, bad]), rows: 2, cols: 2 }, at),
      (e: unknown) =>
        e instanceof LensError && e.code === "data" && e.field === "dense_3" &&
        /dense_3 at epoch 7 of seed 2/.test(e.message) &&
        /index 2 \(row 1, unit 0\)/.test(e.message),
    );
  }
});
