/**
 * A labelled data set from comma-separated text: one sample per line, the
 * inputs first and the integer class label in the last column.
 *
 * @module
 */
import { LensError } from "../errors.ts";

/** Inputs and labels parsed from a CSV text. */
export interface CsvData {
  /** Inputs, row-major `n x d`. */
  x: Float32Array;
  /** Class labels (last column). */
  y: Int32Array;
  /** Number of samples (data lines). */
  n: number;
  /** Number of input columns (all but the last). */
  d: number;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function splitLine(line: string): string[] {
  return line.split(",").map((f) => f.trim());
}

/**
 * Parses CSV text. Fields are separated by commas (whitespace around them
 * ignored); blank lines are skipped. The first non-blank line is a header
 * when none of its fields is a number (so a typo in a first data row is
 * reported, not taken for a header). Every row must have the same
 * number of columns (at least 2); inputs must be finite decimal numbers and
 * the label a whole number >= 0. Errors name `file`, the line (1-based, as
 * in an editor) and the column (1-based).
 *
 * @example
 * ```ts
 * const { x, y, n, d } = parseCsv("a,b,label\n0.5,1,0\n2,3,1\n", "toy.csv");
 * // n = 2, d = 2, x = [0.5, 1, 2, 3], y = [0, 1]
 * ```
 */
export function parseCsv(text: string, file: string): CsvData {
  const lines = text.split(/\r?\n/);
  const err = (line: number, col: number | undefined, message: string, expected: string) =>
    new LensError(message, {
      code: "data",
      file,
      field: col === undefined ? `line ${line}` : `line ${line}, column ${col}`,
      expected,
    });
  let first = 0;
  while (first < lines.length && lines[first].trim() === "") first++;
  if (first === lines.length) {
    throw err(1, undefined, "the CSV file is empty", "rows of numbers, the label last");
  }
  const head = splitLine(lines[first].replace(/^\uFEFF/, ""));
  const hasHeader = !head.some((f) => NUMBER.test(f));
  const cols = head.length;
  if (cols < 2) {
    throw err(
      first + 1,
      undefined,
      `found ${cols} column`,
      "at least 2 columns: inputs, then the label",
    );
  }
  const d = cols - 1;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let li = hasHeader ? first + 1 : first; li < lines.length; li++) {
    const raw = lines[li];
    if (raw.trim() === "") continue;
    const fields = splitLine(raw);
    const lineNo = li + 1;
    if (fields.length !== cols) {
      throw err(
        lineNo,
        undefined,
        `found ${fields.length} columns`,
        `${cols} columns like the first ${hasHeader ? "(header) " : ""}line`,
      );
    }
    for (let c = 0; c < d; c++) {
      const f = fields[c];
      if (!NUMBER.test(f)) {
        throw err(lineNo, c + 1, `${JSON.stringify(f)} is not a number`, "a finite decimal number");
      }
      const v = Number(f);
      if (!Number.isFinite(v)) {
        throw err(lineNo, c + 1, `${f} overflows`, "a finite decimal number");
      }
      xs.push(v);
    }
    const lf = fields[d];
    const label = Number(lf);
    if (!NUMBER.test(lf) || !Number.isInteger(label) || label < 0 || label > 2147483647) {
      throw err(
        lineNo,
        cols,
        `label ${JSON.stringify(lf)} is not a class index`,
        "a whole number >= 0 in the last column",
      );
    }
    ys.push(label);
  }
  if (ys.length === 0) {
    throw err(first + 1, undefined, "the CSV file has a header but no data rows", "data rows");
  }
  return { x: Float32Array.from(xs), y: Int32Array.from(ys), n: ys.length, d };
}
