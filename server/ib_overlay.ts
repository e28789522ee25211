/**
 * The IB bound drawn over an information plane, for the labels of that
 * plane.
 *
 * `ib-bound` traces the curve of its own joint p(x, y): the probe labels,
 * possibly softened by label noise (`soften`), or a user table. The planes
 * of mi-binned, mi-kde, mi-ksg and mi-noisy measure I(T;Y) against the hard
 * probe labels, and a curve of softened labels does not bound them (it tops
 * out at I(X;Y) of the softened joint, below H(Y), while trained layers
 * reach H(Y)). So:
 *
 * - a curve of hard labels (every point on I(T;Y) = min(I(X;T), H(Y)), the
 *   degenerate IB curve of a deterministic p(y|x)) is drawn over any plane
 *   as that piecewise-linear bound, labelled so, flat to the end of the
 *   axis;
 * - a curve of softened labels (or of a table) is drawn only over charts
 *   whose layers are measured under the same joint (`ib-consistency`'s
 *   `layer_ixt` / `layer_ity`); on the hard-label planes no bound is drawn
 *   and the chart's note says why.
 *
 * @example
 * ```ts
 * const r = ibOverlay(overlayCurves(spec.overlay, ibRecords), { sameJoint: false, xEnd: 12 });
 * r.overlay; // [] or the bound, r.note the reason when there is none
 * ```
 *
 * @module
 */
import { compact, type OverlayCurve } from "./chart_data.ts";

/** How far (bits) a point of a hard-label curve may lie from min(I(X;T), H(Y)). */
export const HARD_TOL = 1e-3;

/** The IB curve's shape, read from its points. */
export interface IbCurveShape {
  /** Every point lies on min(I(X;T), H(Y)), one at (H(Y), H(Y)) (hard labels). */
  hard: boolean;
  /** The largest I(T;Y) of the curve (H(Y) for hard labels). */
  top: number;
  /** The points with finite coordinates, by increasing I(X;T). */
  points: [number, number][];
}

/** The shape of the curve `c` (points of an `ib-bound` run). */
export function curveShape(c: OverlayCurve): IbCurveShape {
  const points: [number, number][] = [];
  for (let i = 0; i < c.x.length; i++) {
    const x = c.x[i], y = c.y[i];
    if (x !== null && y !== null) points.push([x, y]);
  }
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const top = points.reduce((m, p) => Math.max(m, p[1]), 0);
  // on the line everywhere, and through its knee (H(Y), H(Y)), which annealing finds above beta 1
  const hard = top > 0 && points.some(([x]) => Math.abs(x - top) <= HARD_TOL) &&
    points.every(([x, y]) => Math.abs(y - Math.min(x, top)) <= HARD_TOL);
  return { hard, top, points };
}

/**
 * The upper concave envelope of `points` and the origin, by increasing x
 * (the bound between and beyond the annealing's points).
 */
export function concaveHull(points: [number, number][]): [number, number][] {
  const pts = [[0, 0] as [number, number], ...points].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const hull: [number, number][] = [];
  for (const p of pts) {
    // a running maximum first: the bound never decreases in I(X;T)
    if (hull.length && p[1] <= hull[hull.length - 1][1]) continue;
    while (hull.length >= 2) {
      const [a, b] = [hull[hull.length - 2], hull[hull.length - 1]];
      const cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
      if (cross >= 0) hull.pop();
      else break;
    }
    hull.push(p);
  }
  return hull;
}

/** What the plane is and how far its axis runs. */
export interface PlaneContext {
  /** The plane's layers are measured under the curve's own joint (ib-consistency). */
  sameJoint: boolean;
  /** The largest I(X;T) drawn (the flat part of the bound runs to here at least). */
  xEnd: number;
  /** `ib-bound`'s soften option when the run's config names it. */
  soften?: number;
  /** `ib-bound`'s table option when set (the curve is then of that joint). */
  table?: string;
}

/** The bound to draw and, when none is drawn or it is degenerate, why. */
export interface IbOverlayResult {
  overlay: (OverlayCurve & { flat: true })[];
  /** The curve is that of hard labels. */
  hard: boolean;
  note?: string;
}

const bits = (v: number) => `${Number(v.toPrecision(3))} bits`;

/**
 * The bound over a plane from the `ib-bound` curve(s) `curves` (as
 * {@link overlayCurves} reads them; empty when the run has no ib-bound
 * results).
 */
export function ibOverlay(curves: OverlayCurve[], plane: PlaneContext): IbOverlayResult {
  const c = curves[0];
  if (!c) return { overlay: [], hard: false };
  const shape = curveShape(c);
  if (shape.points.length === 0) return { overlay: [], hard: false };
  const end = Math.max(plane.xEnd, ...shape.points.map((p) => p[0]));
  if (shape.hard && !plane.table) {
    const h = shape.top;
    return {
      hard: true,
      overlay: [{
        label: `IB bound, hard labels: min(I(X;T), H(Y) = ${bits(h)})`,
        layer: c.layer,
        x: [0, compact(h), compact(end)],
        y: [0, compact(h), compact(h)],
        flat: true,
      }],
    };
  }
  const what = plane.table
    ? `the joint of the table ${plane.table}`
    : `labels softened by label noise${plane.soften ? ` (soften ${plane.soften})` : ""}`;
  if (!plane.sameJoint) {
    return {
      overlay: [],
      hard: false,
      note: `No IB bound drawn: ib-bound traced the curve of ${what}, which tops out at ` +
        `${bits(shape.top)} and does not bound this plane, measured against the hard labels. ` +
        "Run ib-bound with soften: 0 for the bound of these labels.",
    };
  }
  const hull = concaveHull(shape.points);
  const last = hull[hull.length - 1];
  if (last[0] < end) hull.push([end, last[1]]);
  return {
    hard: false,
    overlay: [{
      label: `IB bound of ${what}`,
      layer: c.layer,
      x: hull.map((p) => compact(p[0])),
      y: hull.map((p) => compact(p[1])),
      flat: true,
    }],
  };
}

/** The note of `ib-bound`'s own chart when its labels are hard (a degenerate curve). */
export function degenerateNote(curves: OverlayCurve[]): string | undefined {
  const c = curves[0];
  if (!c) return undefined;
  const shape = curveShape(c);
  if (!shape.hard || shape.points.length === 0) return undefined;
  return `Hard labels: the IB curve is degenerate, I(T;Y) = min(I(X;T), H(Y)) with H(Y) = ` +
    `${bits(shape.top)}; annealing finds only its corners. It is drawn as a bound on the ` +
    "information planes.";
}
