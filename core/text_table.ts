/**
 * Plain-text tables for the terminal: columns padded to their widest cell,
 * numbers right-aligned.
 *
 * @module
 */

/**
 * Lays out `rows` under `header` rows; a column is right-aligned when every
 * body cell in it looks like a number (or is empty / `-`). `groups` puts a
 * line of labels above the header, each starting at column `col`.
 *
 * @example
 * ```ts
 * textTable([["layer", "I(X;T)"]], [["dense_1", "12.000"], ["output", "1.841"]]);
 * // layer    I(X;T)
 * // dense_1  12.000
 * // output    1.841
 * ```
 */
export function textTable(
  header: string[][],
  rows: string[][],
  gap = "  ",
  groups: { col: number; label: string }[] = [],
): string {
  const all = [...header, ...rows];
  const cols = Math.max(0, ...all.map((r) => r.length));
  const width = Array.from(
    { length: cols },
    (_, c) => Math.max(0, ...all.map((r) => (r[c] ?? "").length)),
  );
  const numeric = Array.from(
    { length: cols },
    (_, c) =>
      rows.length > 0 &&
      rows.every((r) => /^(-?[\d.]+(e[-+]?\d+)?%?|-|NaN|-?Infinity|)$/i.test(r[c] ?? "")),
  );
  const line = (r: string[]) =>
    Array.from({ length: cols }, (_, c) => {
      const cell = r[c] ?? "";
      return numeric[c] ? cell.padStart(width[c]) : cell.padEnd(width[c]);
    }).join(gap).trimEnd();
  const lines = all.map(line);
  if (groups.length) {
    // a line of labels above the header, each starting where its column starts
    let top = "";
    for (const g of groups) {
      let start = 0;
      for (let c = 0; c < g.col; c++) start += width[c] + gap.length;
      top = top.padEnd(start) + (top.length > start ? " " : "") + g.label;
    }
    lines.unshift(top.trimEnd());
  }
  return lines.join("\n");
}

/**
 * A number with `digits` decimals; `-` for NaN / missing. A value that
 * rounds to zero prints as `0.000`, never `-0.000` (an estimate of 0 bits
 * a hair below zero, or -0, is zero).
 *
 * @example
 * ```ts
 * fixed(-1e-12); // "0.000"
 * fixed(-0.0006); // "-0.001"
 * ```
 */
export function fixed(v: number | undefined, digits = 3): string {
  if (v === undefined || !Number.isFinite(v)) return "-";
  const s = v.toFixed(digits);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}
