// Time left of a training run as the dashboard sees it: epoch rows arrive
// over the live stream; each arrival is an observation (time, plain and
// sampled (seed, epoch) steps done). The costs of a plain and of a sampled
// step (capture and plugins included) are fitted by least squares to the
// differences between observations, and the steps left of each kind in the
// schedule are priced with them. Pure: no DOM.

/**
 * An estimator for a run of `epochs` per seed, `seeds` seeds, sampling the
 * epochs `sampled`. `startMs` (optional) is when the run started: an
 * observation of nothing done, used until the live ones suffice.
 */
export function createEtaEstimator(sampled, epochs, seeds, startMs) {
  const isSampled = new Uint8Array(epochs);
  for (const e of sampled) if (e >= 0 && e < epochs) isSampled[e] = 1;
  const cum = new Int32Array(epochs + 1); // cum[e + 1] = sampled epochs <= e
  for (let e = 0; e < epochs; e++) cum[e + 1] = cum[e] + isSampled[e];
  const totalSampled = cum[epochs];
  const last = new Map(); // seed -> last epoch seen
  const obs = []; // [ms, plain steps, sampled steps]
  const done = () => {
    let p = 0, s = 0;
    for (const e of last.values()) {
      s += cum[e + 1];
      p += e + 1 - cum[e + 1];
    }
    return [p, s];
  };
  const fit = (list) => {
    let pp = 0, ps = 0, ss = 0, pt = 0, st = 0, tt = 0, n = 0;
    for (let i = 1; i < list.length; i++) {
      const dt = list[i][0] - list[i - 1][0];
      const dp = list[i][1] - list[i - 1][1], ds = list[i][2] - list[i - 1][2];
      if (dt <= 0 || dp + ds <= 0) continue;
      pp += dp * dp;
      ps += dp * ds;
      ss += ds * ds;
      pt += dp * dt;
      st += ds * dt;
      tt += dt;
      n += dp + ds;
    }
    if (n === 0) return null;
    const det = pp * ss - ps * ps;
    if (det > 1e-9 * pp * ss) {
      const a = (pt * ss - st * ps) / det, b = (st * pp - pt * ps) / det;
      if (a >= 0 && b >= 0) return { plain: a, sampled: b };
    }
    // one kind only, or no clean split: the mean cost of a step, either kind
    const r = tt / n;
    return { plain: r, sampled: r };
  };
  return {
    /** Epoch rows [id, seed, epoch, ...] that arrived at `ms`. */
    add(ms, rows) {
      for (const r of rows) {
        const seed = r[1], epoch = r[2];
        if (epoch >= 0 && epoch < epochs && epoch > (last.get(seed) ?? -1)) last.set(seed, epoch);
      }
      const [p, s] = done();
      const prev = obs[obs.length - 1];
      if (!prev || prev[1] !== p || prev[2] !== s) obs.push([ms, p, s]);
      if (obs.length > 400) obs.splice(0, obs.length - 400);
    },
    /** Seconds left, or NaN while there is too little to go on. */
    etaS() {
      const live = obs.length >= 3 ? obs : startMs === undefined ? obs : [[startMs, 0, 0], ...obs];
      const c = fit(live);
      if (!c) return NaN;
      let plainLeft = 0, sampledLeft = 0;
      for (const e of last.values()) {
        const sLeft = totalSampled - cum[e + 1];
        sampledLeft += sLeft;
        plainLeft += epochs - 1 - e - sLeft;
      }
      // seeds not seen yet have their whole schedule left
      const unseen = Math.max(0, seeds - last.size);
      sampledLeft += unseen * totalSampled;
      plainLeft += unseen * (epochs - totalSampled);
      return (plainLeft * c.plain + sampledLeft * c.sampled) / 1000;
    },
  };
}
