/**
 * A labelled data set from comma-separated text: one sample per line, the
 * inputs first and the integer class label in the last column.
 *
 * @module
 */
import { CSV_NUMBER, csvError, csvNumber, splitCsvRows } from "./csv_rows.ts";

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
  const { header, firstLine, cols, rows } = splitCsvRows(text, file);
  if (cols === 0) {
    throw csvError(file, 1, undefined, "the CSV file is empty", "rows of numbers, the label last");
  }
  if (cols < 2) {
    throw csvError(
      file,
      firstLine,
      undefined,
      `found ${cols} column`,
      "at least 2 columns: inputs, then the label",
    );
  }
  const d = cols - 1;
  const x = new Float32Array(rows.length * d);
  const y = new Int32Array(rows.length);
  rows.forEach(({ line, fields }, r) => {
    for (let c = 0; c < d; c++) x[r * d + c] = csvNumber(fields[c], file, line, c + 1);
    const lf = fields[d];
    const label = Number(lf);
    if (!CSV_NUMBER.test(lf) || !Number.isInteger(label) || label < 0 || label > 2147483647) {
      throw csvError(
        file,
        line,
        cols,
        `label ${JSON.stringify(lf)} is not a class index`,
        "a whole number >= 0 in the last column",
      );
    }
    y[r] = label;
  });
  if (rows.length === 0 && header) {
    throw csvError(
      file,
      firstLine,
      undefined,
      "the CSV file has a header but no data rows",
      "data rows",
    );
  }
  return { x, y, n: rows.length, d };
}
