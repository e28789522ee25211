/**
 * An exact k-d tree under the max-norm (Chebyshev distance,
 * max_k |a_k - b_k|), the metric of the KSG and Ross estimators. Two
 * queries: the distance to the k-th nearest other point, and the number of
 * points strictly closer than a radius.
 *
 * Build: the points are copied row-major into tree order; each node splits
 * its range at the median of its widest coordinate (quickselect), down to
 * leaves of at most `leafSize` points, and keeps the tight bounding box of
 * its points. O(n log n) time, O(n d) memory.
 *
 * Queries walk the tree depth first, nearer child first, and skip a node
 * whose box lies at least the current bound away (the max-norm distance
 * from a point q to a box is max_k max(lo_k - q_k, q_k - hi_k, 0)); a
 * counting query adds a whole node at once when the farthest corner of its
 * box is strictly inside the radius. Both are exact: no approximation, no
 * randomness. In low intrinsic dimension a query visits O(log n) nodes; in
 * high dimension it degrades towards a scan, never worse than one.
 *
 * @module
 */

/** A k-d tree over `n` points of dimension `d` (see the module doc). */
export interface KdTree {
  /** Number of points. */
  n: number;
  /** Dimension. */
  d: number;
  /** Points row-major in tree order. */
  pts: Float64Array;
  /** Tree position -> index of the point in the caller's array. */
  perm: Int32Array;
  /** Index of the point in the caller's array -> tree position. */
  pos: Int32Array;
  /** Per node: first tree position (inclusive). */
  start: Int32Array;
  /** Per node: last tree position (exclusive). */
  end: Int32Array;
  /** Per node: index of the left child, or -1 for a leaf (the right child is `left + 1`). */
  left: Int32Array;
  /** Per node: box minimum per coordinate (`nodes x d`). */
  lo: Float64Array;
  /** Per node: box maximum per coordinate (`nodes x d`). */
  hi: Float64Array;
}

/** Rearranges `idx[a..b)` so that `idx[m]` holds the median of coordinate `k`. */
function select(idx: Int32Array, x: ArrayLike<number>, d: number, k: number, a: number, b: number) {
  const m = (a + b) >> 1;
  let lo = a, hi = b - 1;
  while (lo < hi) {
    const pivot = x[idx[(lo + hi) >> 1] * d + k];
    let i = lo, j = hi;
    while (i <= j) {
      while (x[idx[i] * d + k] < pivot) i++;
      while (x[idx[j] * d + k] > pivot) j--;
      if (i <= j) {
        const t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        i++;
        j--;
      }
    }
    if (m <= j) hi = j;
    else if (m >= i) lo = i;
    else break;
  }
}

/**
 * Builds the tree over `points` (`n x d`, row-major; any numeric array).
 *
 * @example
 * ```ts
 * const t = buildKdTree(new Float64Array([0, 0, 1, 1, 3, 0]), 3, 2);
 * kthNeighbourDistance(t, 0, 1); // 1 (point 1 is at max(|1-0|, |1-0|) = 1)
 * ```
 */
export function buildKdTree(
  points: ArrayLike<number>,
  n: number,
  d: number,
  leafSize = 32,
): KdTree {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const maxNodes = Math.max(1, 2 * Math.ceil(n / Math.max(1, leafSize >> 1)) + 1);
  const start = new Int32Array(maxNodes), end = new Int32Array(maxNodes);
  const left = new Int32Array(maxNodes).fill(-1);
  const lo = new Float64Array(maxNodes * d), hi = new Float64Array(maxNodes * d);
  let nodes = 1;
  start[0] = 0;
  end[0] = n;
  const stack: number[] = [0];
  while (stack.length) {
    const node = stack.pop()!;
    const a = start[node], b = end[node];
    // bounding box
    const o = node * d;
    for (let k = 0; k < d; k++) {
      lo[o + k] = Infinity;
      hi[o + k] = -Infinity;
    }
    for (let i = a; i < b; i++) {
      const r = perm[i] * d;
      for (let k = 0; k < d; k++) {
        const v = points[r + k];
        if (v < lo[o + k]) lo[o + k] = v;
        if (v > hi[o + k]) hi[o + k] = v;
      }
    }
    if (b - a <= leafSize) continue;
    let widest = 0, width = -1;
    for (let k = 0; k < d; k++) {
      const w = hi[o + k] - lo[o + k];
      if (w > width) {
        width = w;
        widest = k;
      }
    }
    if (!(width > 0)) continue; // all points equal: a leaf however many
    select(perm, points, d, widest, a, b);
    const m = (a + b) >> 1;
    const l = nodes;
    nodes += 2;
    left[node] = l;
    start[l] = a;
    end[l] = m;
    start[l + 1] = m;
    end[l + 1] = b;
    stack.push(l + 1, l);
  }
  const pts = new Float64Array(n * d);
  const pos = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = perm[i] * d;
    for (let k = 0; k < d; k++) pts[i * d + k] = points[r + k];
    pos[perm[i]] = i;
  }
  return {
    n,
    d,
    pts,
    perm,
    pos,
    start: start.slice(0, nodes),
    end: end.slice(0, nodes),
    left: left.slice(0, nodes),
    lo: lo.slice(0, nodes * d),
    hi: hi.slice(0, nodes * d),
  };
}

/** Max-norm distance from point `q` (offset `qo` in `qs`) to the box of `node`. */
function boxDistance(t: KdTree, node: number, qs: Float64Array, qo: number): number {
  const d = t.d, o = node * d;
  let m = 0;
  for (let k = 0; k < d; k++) {
    const v = qs[qo + k];
    const g = t.lo[o + k] - v;
    if (g > m) m = g;
    else {
      const h = v - t.hi[o + k];
      if (h > m) m = h;
    }
  }
  return m;
}

/** Max-norm distance from `q` to the farthest corner of the box of `node`. */
function boxFarthest(t: KdTree, node: number, qs: Float64Array, qo: number): number {
  const d = t.d, o = node * d;
  let m = 0;
  for (let k = 0; k < d; k++) {
    const v = qs[qo + k];
    const g = Math.max(v - t.lo[o + k], t.hi[o + k] - v);
    if (g > m) m = g;
  }
  return m;
}

/** Scratch of a k-nearest search, reused across queries. */
const scratch = {
  nodes: new Int32Array(256),
  bounds: new Float64Array(256),
  best: new Float64Array(8),
};

function growStack(size: number): void {
  if (scratch.nodes.length >= size) return;
  const n = new Int32Array(size * 2), b = new Float64Array(size * 2);
  n.set(scratch.nodes);
  b.set(scratch.bounds);
  scratch.nodes = n;
  scratch.bounds = b;
}

/**
 * Max-norm distance from the point at index `i` of the caller's array to
 * its `k`-th nearest other point (the point itself does not count; others
 * at distance 0 do). `k` must be below the number of points.
 *
 * @example
 * ```ts
 * kthNeighbourDistance(buildKdTree([0, 1, 3, 7], 4, 1), 1, 2); // 2 (neighbours at 1 and 2)
 * ```
 */
export function kthNeighbourDistance(t: KdTree, i: number, k: number): number {
  if (!(k >= 1 && k < t.n)) throw new RangeError(`k = ${k} with ${t.n} points`);
  const d = t.d, pts = t.pts, self = t.pos[i], qo = self * d;
  if (scratch.best.length < k) scratch.best = new Float64Array(2 * k);
  const best = scratch.best; // ascending, k entries
  best.fill(Infinity, 0, k);
  let worst = Infinity;
  growStack(64);
  let nodes = scratch.nodes, bounds = scratch.bounds;
  let sp = 0;
  nodes[sp] = 0;
  bounds[sp++] = 0;
  while (sp > 0) {
    const node = nodes[--sp];
    if (bounds[sp] >= worst) continue;
    const l = t.left[node];
    if (l < 0) {
      for (let j = t.start[node], e = t.end[node]; j < e; j++) {
        if (j === self) continue;
        const po = j * d;
        let dist = 0;
        for (let c = 0; c < d; c++) {
          const g = pts[po + c] - pts[qo + c];
          const a = g < 0 ? -g : g;
          if (a > dist) {
            dist = a;
            if (dist >= worst) break;
          }
        }
        if (dist < worst) {
          let p = k - 1;
          while (p > 0 && best[p - 1] > dist) {
            best[p] = best[p - 1];
            p--;
          }
          best[p] = dist;
          worst = best[k - 1];
        }
      }
      continue;
    }
    const bl = boxDistance(t, l, pts, qo), br = boxDistance(t, l + 1, pts, qo);
    if (sp + 2 > nodes.length) {
      growStack(sp + 2);
      nodes = scratch.nodes;
      bounds = scratch.bounds;
    }
    // push the farther child first so the nearer one is searched first
    if (bl <= br) {
      if (br < worst) {
        nodes[sp] = l + 1;
        bounds[sp++] = br;
      }
      if (bl < worst) {
        nodes[sp] = l;
        bounds[sp++] = bl;
      }
    } else {
      if (bl < worst) {
        nodes[sp] = l;
        bounds[sp++] = bl;
      }
      if (br < worst) {
        nodes[sp] = l + 1;
        bounds[sp++] = br;
      }
    }
  }
  return best[k - 1];
}

/**
 * Number of points (the point itself included) strictly closer than `r`
 * in max-norm to the point at index `i` of the caller's array; 0 when
 * `r <= 0`.
 *
 * @example
 * ```ts
 * countCloser(buildKdTree([0, 1, 3, 7], 4, 1), 1, 2); // 2 (itself and 0; 3 is at exactly 2)
 * ```
 */
export function countCloser(t: KdTree, i: number, r: number): number {
  if (!(r > 0)) return 0;
  const d = t.d, pts = t.pts, qo = t.pos[i] * d;
  growStack(64);
  let nodes = scratch.nodes;
  let sp = 0;
  nodes[sp++] = 0;
  let count = 0;
  while (sp > 0) {
    const node = nodes[--sp];
    if (boxDistance(t, node, pts, qo) >= r) continue;
    const l = t.left[node];
    if (l >= 0 && boxFarthest(t, node, pts, qo) < r) {
      count += t.end[node] - t.start[node];
      continue;
    }
    if (l < 0) {
      for (let j = t.start[node], e = t.end[node]; j < e; j++) {
        const po = j * d;
        let inside = true;
        for (let c = 0; c < d; c++) {
          const g = pts[po + c] - pts[qo + c];
          if (g >= r || -g >= r) {
            inside = false;
            break;
          }
        }
        if (inside) count++;
      }
      continue;
    }
    if (sp + 2 > nodes.length) {
      growStack(sp + 2);
      nodes = scratch.nodes;
    }
    nodes[sp++] = l;
    nodes[sp++] = l + 1;
  }
  return count;
}
