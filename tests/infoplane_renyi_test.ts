/**
 * Matrix-based Rényi quantities (renyi_mi.ts): the alpha = 2 shortcut
 * against the eigenvalues, and the values the definition fixes (one point: 0; n
 * orthogonal points: log2 n; separated clusters with their labels: log2 c).
 */
import assert from "node:assert/strict";
import { createRng } from "../core/rng.ts";
import { mutualInformation } from "../plugins/infoplane/mi_arrays.ts";
import { gaussianGram, labelGram, renyiEntropy, renyiMi } from "../plugins/infoplane/renyi_mi.ts";
import { symmetricEigen } from "../plugins/complexity/small_linalg.ts";

function close(a: number, b: number, tol: number, what: string) {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
}

Deno.test("Renyi entropy: alpha = 2 shortcut equals the eigenvalue sum; fixed values", () => {
  const rng = createRng(5, "renyi");
  const n = 40, x = new Float64Array(n * 3).map(() => rng.normal());
  const k = gaussianGram(x, n, 3, 1.3);
  const a = k.map((v) => v / n); // trace n
  const lambda = symmetricEigen(a, n).values;
  close(renyiEntropy(k, n, 2), -Math.log2(lambda.reduce((s, l) => s + l * l, 0)), 1e-12, "alpha 2");
  const s3 = Math.log2(lambda.reduce((s, l) => s + Math.max(0, l) ** 3, 0)) / (1 - 3);
  close(renyiEntropy(k, n, 3), s3, 1e-12, "alpha 3");
  const eye = labelGram(new Int32Array(8).map((_, i) => i), 8);
  for (const alpha of [0.5, 1.01, 2, 5]) {
    close(renyiEntropy(eye, 8, alpha), 3, 1e-12, `8 orthogonal points, alpha ${alpha}`);
    close(renyiEntropy(new Float64Array(16).fill(1), 4, alpha), 0, 1e-12, "one point repeated");
  }
  assert.throws(() => renyiEntropy(eye, 8, 1), RangeError);
});

Deno.test("Renyi MI: separated clusters against their labels give log2 c, any alpha", () => {
  const c = 4, per = 10, n = c * per, x = new Float64Array(n), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % c;
    x[i] = 100 * y[i] + 0.001 * i; // far apart clusters, tight inside
  }
  for (const alpha of [1.01, 2]) {
    const r = renyiMi(gaussianGram(x, n, 1, 1), labelGram(y, n), n, alpha);
    close(r.bits, 2, 1e-6, `alpha ${alpha}`);
    const viaArrays = mutualInformation({ data: x, rows: n, cols: 1 }, { labels: y }, {
      estimator: "renyi",
      alpha,
      sigma: 1,
    });
    close(viaArrays.bits, r.bits, 1e-12, "mutualInformation, all rows");
    assert.equal(viaArrays.n, n);
  }
});
