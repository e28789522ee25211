/**
 * CSV parsing (values, header detection, errors naming line and column) and
 * loadDataset for user files (.csv, .npy + labels, .npz).
 */
import assert from "node:assert/strict";
import { parseCsv } from "../core/data/csv.ts";
import { loadDataset } from "../core/data/load.ts";
import { LensError } from "../core/errors.ts";

const FIX = new URL("./fixtures/data/", import.meta.url);
const fix = (name: string) => new URL(name, FIX).pathname;

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

async function rejectsLens(p: Promise<unknown>, ...parts: string[]): Promise<LensError> {
  try {
    await p;
  } catch (e) {
    return throwsLens(() => {
      throw e;
    }, ...parts);
  }
  assert.fail("expected a rejection");
}

Deno.test("csv: values, labels and an optional header", () => {
  const a = parseCsv("f1, f2 ,label\n0.5,-1e-3,2\r\n\n  3 , .25 , 0\n", "a.csv");
  assert.equal(a.n, 2);
  assert.equal(a.d, 2);
  assert.deepEqual([...a.x], [0.5, -1e-3, 3, 0.25].map(Math.fround));
  assert.deepEqual([...a.y], [2, 0]);
  const b = parseCsv("1,2,3,1\n4,5,6,0", "b.csv"); // no header, no final newline
  assert.equal(b.n, 2);
  assert.equal(b.d, 3);
  assert.deepEqual([...b.x], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...b.y], [1, 0]);
  assert.deepEqual([...parseCsv("x,y\n7,1.0\n", "c.csv").y], [1], "1.0 is a whole number");
});

Deno.test("csv: errors name the file, line and column", () => {
  const text = "a,b,label\n1,2,0\n3,x,1\n";
  const e = throwsLens(() => parseCsv(text, "bad.csv"), "bad.csv", "line 3, column 2", '"x"');
  assert.equal(e.file, "bad.csv");
  assert.equal(e.field, "line 3, column 2");
  throwsLens(() => parseCsv("1,2,0\n\n1,2\n", "short.csv"), "short.csv", "line 3", "2 columns");
  throwsLens(() => parseCsv("1,2,0\n1,2,0.5\n", "l.csv"), "line 2, column 3", "class index");
  throwsLens(() => parseCsv("1,2,0\n1,2,-1\n", "l.csv"), "line 2, column 3");
  throwsLens(() => parseCsv("1,,0\n", "e.csv"), "line 1, column 2");
  throwsLens(() => parseCsv("a,b,c\n1,NaN,0\n", "n.csv"), "line 2, column 2", "NaN");
  throwsLens(() => parseCsv("1,inf,0\n", "i.csv"), "line 1, column 2", "inf");
  throwsLens(() => parseCsv("1,1e999,0\n", "o.csv"), "line 1, column 2", "overflows");
  throwsLens(() => parseCsv("1;2;0\n", "semi.csv"), "line 1", "at least 2 columns");
  throwsLens(() => parseCsv("\n\n", "empty.csv"), "empty.csv", "empty");
  throwsLens(() => parseCsv("a,b\n", "head.csv"), "head.csv", "no data rows");
  throwsLens(() => parseCsv("1\n2\n", "one.csv"), "one.csv", "at least 2 columns");
});

Deno.test("load file: .csv with the first rows as training set", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/toy.csv`;
    const rows = Array.from({ length: 10 }, (_, i) => `${i},${i * 2},${i % 3}`);
    Deno.writeTextFileSync(path, "u,v,label\n" + rows.join("\n") + "\n");
    const ds = await loadDataset({ name: "file", path, trainFraction: 0.75 }, 0);
    assert.equal(ds.name, `file:${path}`);
    assert.deepEqual(ds.inputShape, [2]);
    assert.equal(ds.numClasses, 3);
    assert.equal(ds.nTrain, 8); // round(7.5)
    assert.equal(ds.nTest, 2);
    assert.deepEqual([...ds.xTest], [8, 16, 9, 18]);
    assert.deepEqual([...ds.yTrain], [0, 1, 2, 0, 1, 2, 0, 1]);
    assert.equal(ds.probe.n, 10);
    assert.equal(ds.info.split, "first rows");
    await rejectsLens(
      loadDataset({ name: "file", path, labels: "y.npy", trainFraction: 0.8 }, 0),
      "last column",
    );
    await rejectsLens(
      loadDataset({ name: "file", path: `${dir}/none.csv`, trainFraction: 0.8 }, 0),
      "none.csv",
      "not found",
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("load file: labels count by value (5000000 is a class, not 5000001 of them)", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/ids.csv`;
    const labels = [7, 5000000, 7, 3, 5000000];
    Deno.writeTextFileSync(path, labels.map((y, i) => `${i},${y}`).join("\n") + "\n");
    const ds = await loadDataset({ name: "file", path, trainFraction: 0.6 }, 0);
    assert.equal(ds.numClasses, 3);
    assert.deepEqual(ds.info.classes, [3, 7, 5000000]);
    assert.deepEqual([...ds.yTrain], [1, 2, 1]);
    assert.deepEqual([...ds.yTest], [0, 2]);
    assert.deepEqual([...ds.probe.y], [1, 2, 1, 0, 2]);
    // more than 10000 distinct values: ids, not classes
    const many = `${dir}/many.csv`;
    Deno.writeTextFileSync(many, Array.from({ length: 10001 }, (_, i) => `0,${i}`).join("\n"));
    await rejectsLens(
      loadDataset({ name: "file", path: many, trainFraction: 0.8 }, 0),
      "many.csv",
      "more than 10000 distinct values",
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("load file: .npy inputs with a .npy label file", async () => {
  const ds = await loadDataset(
    { name: "file", path: fix("inputs_4x3.npy"), labels: fix("labels_4.npy"), trainFraction: 0.5 },
    0,
  );
  assert.deepEqual(ds.inputShape, [3]);
  assert.equal(ds.numClasses, 3);
  assert.equal(ds.nTrain, 2);
  assert.deepEqual([...ds.xTrain], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...ds.yTest], [1, 2]);
  assert.deepEqual([...ds.probe.y], [1, 0, 1, 2]);
  await rejectsLens(
    loadDataset({ name: "file", path: fix("inputs_4x3.npy"), trainFraction: 0.5 }, 0),
    "inputs_4x3.npy",
    "data.labels",
  );
  await rejectsLens(
    loadDataset(
      { name: "file", path: fix("inputs_4x3.npy"), labels: fix("labels_3.npy"), trainFraction: 1 },
      0,
    ),
    "inputs_4x3.npy",
    "4 input rows but 3 labels",
  );
  await rejectsLens(
    loadDataset(
      { name: "file", path: fix("inputs_nan.npy"), labels: fix("labels_2.npy"), trainFraction: 1 },
      0,
    ),
    "inputs_nan.npy",
    "x",
    "element 2 is NaN",
  );
});

Deno.test("load file: .npz with x / y, one-hot labels under another name", async () => {
  for (const file of ["xy_plain.npz", "xy_compressed.npz"]) {
    const ds = await loadDataset({ name: "file", path: fix(file), trainFraction: 0.6 }, 0);
    assert.deepEqual(ds.inputShape, [2, 2]);
    assert.equal(ds.numClasses, 3);
    assert.equal(ds.nTrain, 3);
    assert.equal(ds.nTest, 2);
    assert.deepEqual([...ds.yTrain], [0, 1, 2]);
    assert.deepEqual([...ds.xTest.subarray(0, 4)], [3, 3.25, 3.5, 3.75]);
  }
  const spec = { name: "file", path: fix("x_onehot.npz"), trainFraction: 0.8 } as const;
  const e = await rejectsLens(loadDataset(spec, 0), "x_onehot.npz", "no array 'y'", "targets");
  assert.equal(e.field, "y");
  const ds = await loadDataset({ ...spec, labels: "targets" }, 0);
  assert.deepEqual([...ds.probe.y], [2, 0, 1, 1, 0]);
  assert.equal(ds.nTrain, 4);
  await rejectsLens(
    loadDataset({ name: "file", path: "data.parquet", trainFraction: 0.8 }, 0),
    "data.parquet",
    ".npy, .npz or .csv",
  );
});

Deno.test("load: unknown data set name is a config error", async () => {
  const e = await rejectsLens(
    loadDataset({ name: "cifar" } as unknown as Parameters<typeof loadDataset>[0], 0),
    "cifar",
  );
  assert.equal(e.field, "data.name");
});

Deno.test("csv rows: the matrix reader shares the row rules (header, BOM, blanks, columns, numbers)", async () => {
  const { parseMatrixCsv } = await import("../plugins/ib/table.ts");
  const m = parseMatrixCsv("\uFEFFy0, y1\r\n\n3,1\n .5 ,2e-1\n", "j.csv");
  assert.deepEqual([m.rows, m.cols, ...m.data], [2, 2, 3, 1, 0.5, 0.2]);
  throwsLens(() => parseMatrixCsv("1,2\n3\n", "j.csv"), "j.csv", "line 2", "2 columns");
  throwsLens(() => parseMatrixCsv("1,2\n3,inf\n", "j.csv"), "line 2, column 2", "inf");
  throwsLens(() => parseMatrixCsv("1,2e999\n", "j.csv"), "line 1, column 2", "overflows");
  throwsLens(() => parseMatrixCsv("a,b\n", "j.csv"), "j.csv", "no rows");
});
