// Colours: a categorical palette for series and a sequential map for epochs.

const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** The i-th categorical colour. */
export function seriesColor(i) {
  return PALETTE[i % PALETTE.length];
}

/**
 * Colour `shade` of `shades` in run `run`'s family (compare pages: one
 * family per run, its layers as shades from dark to light), as #rrggbb.
 */
export function familyColor(run, shade = 0, shades = 1) {
  const n = parseInt(seriesColor(run).slice(1), 16);
  const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  // -0.45 (towards black) .. +0.5 (towards white)
  const t = shades > 1 ? -0.45 + 0.95 * (shade / (shades - 1)) : 0;
  const mixed = rgb.map((c) => Math.round(t < 0 ? c * (1 + t) : c + (255 - c) * t));
  return `#${mixed.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

/** `#rrggbb` with alpha, as rgba(). */
export function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

// Viridis, stopped short of its palest yellow so late epochs stay visible on white.
const STOPS = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [223, 227, 24],
];

/** Colour of t in [0, 1] on the epoch map. */
export function sequential(t) {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(u));
  const f = u - i;
  const c = STOPS[i].map((v, k) => Math.round(v + (STOPS[i + 1][k] - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** CSS gradient of the epoch map (for its colour bar). */
export function sequentialGradient() {
  const parts = STOPS.map((c, i) =>
    `rgb(${c.join(",")}) ${(100 * i / (STOPS.length - 1)).toFixed(0)}%`
  );
  return `linear-gradient(to right, ${parts.join(", ")})`;
}

/**
 * Maps an epoch to [0, 1] on a log scale (sampled epochs are log-spaced,
 * so early epochs get as much of the map as late ones).
 */
export function epochScale(maxEpoch) {
  const top = Math.log1p(Math.max(1, maxEpoch));
  return (epoch) => Math.log1p(Math.max(0, epoch)) / top;
}
