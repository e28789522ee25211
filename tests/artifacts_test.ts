/**
 * Typed artifacts: a key carries its value's type (checked by `deno test`'s
 * type check: the `@ts-expect-error` lines fail the check if the wrong value
 * type were accepted), and the store keeps values by name.
 */
import assert from "node:assert/strict";
import { artifactKey, createArtifacts } from "../core/artifacts.ts";
import { disentangleKey } from "../plugins/complexity/artifact.ts";
import { IB_CURVE_ARTIFACT } from "../plugins/ib/curve_artifact.ts";

Deno.test("artifacts: typed keys, values kept by name", () => {
  const a = createArtifacts();
  const counts = artifactKey<Map<number, number>>("test:counts");
  a.set(counts, new Map([[1, 2]]));
  const got: Map<number, number> | undefined = a.get(counts);
  assert.equal(got?.get(1), 2);
  // the same name made again reads the same value
  assert.equal(a.get(artifactKey<Map<number, number>>("test:counts")), got);
  assert.equal(a.has("test:counts"), true);
  // @ts-expect-error: a number is not a Map<number, number>
  a.set(counts, 3);
  assert.equal(a.delete("test:counts"), true);
  assert.equal(a.get(counts), undefined);
  // @ts-expect-error: the IB curve artifact is not a string
  a.set(IB_CURVE_ARTIFACT, "curve");
  // the built-in keys name what the producing plugins store (compared as plain strings: an
  // assertion on the key itself would narrow its type)
  assert.equal(String(disentangleKey(4)), "disentangle:4");
  assert.equal(String(IB_CURVE_ARTIFACT), "ib-bound:curve");
});
