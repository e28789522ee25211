/**
 * Discrete joints p(x, y) for the Information Bottleneck: the shape the
 * kernels take, checks, pooling of inputs with identical conditionals, and
 * the two ways a joint is built (from hard labels, from a p(x, y) table).
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";

/** A discrete joint p(x, y) given as p(x) and the conditional p(y|x). */
export interface IbJoint {
  /** p(x), length `nx`, summing to 1. */
  px: Float64Array;
  /** p(y|x), row-major `nx` x `ny`, each row summing to 1. */
  pyx: Float64Array;
  nx: number;
  ny: number;
}

/**
 * Checks that `joint` is a probability table; throws a LensError naming
 * `file` (when given) and the offending field otherwise. p(x) and every
 * row of p(y|x) must sum to 1 within 1e-6.
 */
export function validateJoint(joint: IbJoint, file?: string): void {
  const { px, pyx, nx, ny } = joint;
  const bad = (field: string, message: string, expected: string) =>
    new LensError(message, { code: "data", file, field, expected });
  if (!(nx >= 1) || !(ny >= 1) || px.length !== nx || pyx.length !== nx * ny) {
    throw bad("joint", `shape mismatch: nx=${nx} ny=${ny}`, "px of length nx, pyx of nx*ny");
  }
  let s = 0;
  for (let x = 0; x < nx; x++) {
    const v = px[x];
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw bad("p(x)", `p(x) at row ${x} is ${v}`, "finite values >= 0");
    }
    s += v;
    let r = 0;
    for (let y = 0; y < ny; y++) {
      const c = pyx[x * ny + y];
      if (!(c >= 0) || !Number.isFinite(c)) {
        throw bad("p(y|x)", `p(y|x) at row ${x} column ${y} is ${c}`, "finite values >= 0");
      }
      r += c;
    }
    if (Math.abs(r - 1) > 1e-6) {
      throw bad("p(y|x)", `row ${x} of p(y|x) sums to ${r}`, "rows summing to 1");
    }
  }
  if (Math.abs(s - 1) > 1e-6) throw bad("p(x)", `p(x) sums to ${s}`, "a sum of 1");
}

/** Inputs pooled by identical rows of p(y|x). */
export interface GroupedJoint {
  /** Group of every input. */
  groupOf: Int32Array;
  /** p(x) of every input (the joint's own array). */
  px: Float64Array;
  /** Number of groups. */
  groups: number;
  /** Mass of each group: sum of p(x) over its inputs. */
  w: Float64Array;
  /** p(y|g), row-major groups x ny. */
  q: Float64Array;
  ny: number;
}

/**
 * Pools inputs whose rows of p(y|x) are bitwise identical (in order of
 * first appearance). Every IB quantity depends on x only through p(y|x)
 * and p(x), so the pooled joint has the same IB curve.
 *
 * @example
 * ```ts
 * const g = groupJoint({ px: new Float64Array([0.5, 0.25, 0.25]),
 *   pyx: new Float64Array([1, 0, 0, 1, 1, 0]), nx: 3, ny: 2 });
 * g.groups; // 2, with w = [0.75, 0.25]
 * ```
 */
export function groupJoint(joint: IbJoint): GroupedJoint {
  const { px, pyx, nx, ny } = joint;
  const groupOf = new Int32Array(nx);
  const index = new Map<string, number>();
  const w: number[] = [];
  const q: number[] = [];
  for (let x = 0; x < nx; x++) {
    const row = pyx.subarray(x * ny, (x + 1) * ny);
    const key = row.join(",");
    let g = index.get(key);
    if (g === undefined) {
      g = w.length;
      index.set(key, g);
      w.push(0);
      for (let y = 0; y < ny; y++) q.push(row[y]);
    }
    groupOf[x] = g;
    w[g] += px[x];
  }
  return {
    groupOf,
    px,
    groups: w.length,
    w: Float64Array.from(w),
    q: Float64Array.from(q),
    ny,
  };
}

/**
 * The joint of a labelled probe set: p(x) uniform over the `labels.length`
 * inputs and p(y|x) = (1 - soften) onehot(label) + soften / numClasses.
 *
 * `soften` is label noise: with it every class keeps probability
 * soften / numClasses. The paper ([SZT]) softens the 12-bit labels with
 * p(y=1|x) = sigmoid(gamma (f(x) - theta)) of the generating function f,
 * which is not shipped; with hard labels (soften = 0) p(y|x) is
 * deterministic, every input of a class is interchangeable, and the IB
 * curve is the segment I(T;Y) = I(X;T) up to H(Y) (then flat), whose
 * Lagrangian optima are its ends: (0, 0) for beta < 1 and (H(Y), H(Y))
 * for beta > 1. A small soften (e.g. 0.1) gives a smooth concave curve from the
 * origin to (H(Y), I(X;Y)) instead.
 */
export function jointFromLabels(labels: Int32Array, numClasses: number, soften = 0): IbJoint {
  if (!(soften >= 0 && soften <= 1)) {
    throw new LensError(`soften is ${soften}`, {
      code: "config",
      field: "soften",
      expected: "a number in [0, 1]",
    });
  }
  const nx = labels.length;
  if (nx === 0) {
    throw new LensError("no labels", { code: "data", field: "labels", expected: ">= 1 label" });
  }
  const ny = numClasses;
  const px = new Float64Array(nx).fill(1 / nx);
  const pyx = new Float64Array(nx * ny).fill(soften / ny);
  for (let x = 0; x < nx; x++) {
    const y = labels[x];
    if (!(y >= 0 && y < ny)) {
      throw new LensError(`label ${y} at row ${x}`, {
        code: "data",
        field: "labels",
        expected: `labels in [0, ${ny})`,
      });
    }
    pyx[x * ny + y] += 1 - soften;
  }
  return { px, pyx, nx, ny };
}

/**
 * The joint of an `nx` x `ny` table of p(x, y) (row-major; any positive
 * scale, normalised here). Rows of zero mass get p(x) = 0 and a uniform
 * conditional. Errors name `file`.
 */
export function jointFromTable(
  table: ArrayLike<number>,
  nx: number,
  ny: number,
  file?: string,
): IbJoint {
  if (table.length !== nx * ny || nx < 1 || ny < 1) {
    throw new LensError(`table has ${table.length} values, not ${nx} x ${ny}`, {
      code: "data",
      file,
      field: "p(x,y)",
      expected: "an X x Y matrix",
    });
  }
  let total = 0;
  for (let i = 0; i < table.length; i++) {
    const v = table[i];
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new LensError(`entry (${Math.floor(i / ny)}, ${i % ny}) is ${v}`, {
        code: "data",
        file,
        field: "p(x,y)",
        expected: "finite values >= 0",
      });
    }
    total += v;
  }
  if (!(total > 0)) {
    throw new LensError("table sums to 0", {
      code: "data",
      file,
      field: "p(x,y)",
      expected: "a positive total",
    });
  }
  const px = new Float64Array(nx);
  const pyx = new Float64Array(nx * ny);
  for (let x = 0; x < nx; x++) {
    let row = 0;
    for (let y = 0; y < ny; y++) row += table[x * ny + y];
    px[x] = row / total;
    for (let y = 0; y < ny; y++) pyx[x * ny + y] = row > 0 ? table[x * ny + y] / row : 1 / ny;
  }
  return { px, pyx, nx, ny };
}
