/**
 * The part every numeric CSV reader shares: comma-separated fields
 * (whitespace around them ignored), blank lines skipped, a byte-order mark
 * dropped, an optional header line (the first non-blank line, when none of
 * its fields is a number, so a typo in a first data row is reported rather
 * than taken for a header), the same column count on every line, and
 * numbers that must be finite decimals. Errors name the file, the line
 * (1-based, as in an editor) and the column.
 *
 * @module
 */
import { LensError } from "../errors.ts";

/** A decimal number as a CSV field may hold it (no NaN, no inf). */
export const CSV_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** One data line of a CSV text. */
export interface CsvRow {
  /** Line number, 1-based. */
  line: number;
  /** The fields, trimmed. */
  fields: string[];
}

/** The data lines of a CSV text and its shape. */
export interface CsvRows {
  /** Header fields, or null when the first line holds a number. */
  header: string[] | null;
  /** Line number of the first non-blank line (1-based). */
  firstLine: number;
  /** Columns on every line. */
  cols: number;
  /** Data lines in order. */
  rows: CsvRow[];
}

/** A data error at a line (and column) of `file`. */
export function csvError(
  file: string,
  line: number,
  col: number | undefined,
  message: string,
  expected: string,
): LensError {
  return new LensError(message, {
    code: "data",
    file,
    field: col === undefined ? `line ${line}` : `line ${line}, column ${col}`,
    expected,
  });
}

/**
 * Splits CSV text into data rows with one column count. An empty text (only
 * blank lines) gives no rows and `cols` 0; callers say what they expected.
 *
 * @example
 * ```ts
 * splitCsvRows("a,b\n1, 2\n\n3,4\n", "t.csv");
 * // { header: ["a", "b"], firstLine: 1, cols: 2, rows: [{ line: 2, fields: ["1", "2"] }, { line: 4, ... }] }
 * ```
 */
export function splitCsvRows(text: string, file: string): CsvRows {
  const lines = text.split(/\r?\n/);
  let first = 0;
  while (first < lines.length && lines[first].trim() === "") first++;
  if (first === lines.length) return { header: null, firstLine: 1, cols: 0, rows: [] };
  const split = (line: string) => line.split(",").map((f) => f.trim());
  const head = split(lines[first].replace(/^\uFEFF/, ""));
  const header = head.some((f) => CSV_NUMBER.test(f)) ? null : head;
  const cols = head.length;
  const rows: CsvRow[] = [];
  for (let li = header ? first + 1 : first; li < lines.length; li++) {
    const raw = li === first ? lines[li].replace(/^\uFEFF/, "") : lines[li];
    if (raw.trim() === "") continue;
    const fields = split(raw);
    if (fields.length !== cols) {
      throw csvError(
        file,
        li + 1,
        undefined,
        `found ${fields.length} columns`,
        `${cols} columns like the first ${header ? "(header) " : ""}line`,
      );
    }
    rows.push({ line: li + 1, fields });
  }
  return { header, firstLine: first + 1, cols, rows };
}

/**
 * The finite number in a field; an error naming the line and column if it
 * is not one.
 *
 * @example
 * ```ts
 * csvNumber(" .25", "t.csv", 3, 1); // 0.25
 * ```
 */
export function csvNumber(field: string, file: string, line: number, col: number): number {
  if (!CSV_NUMBER.test(field)) {
    throw csvError(
      file,
      line,
      col,
      `${JSON.stringify(field)} is not a number`,
      "a finite decimal number",
    );
  }
  const v = Number(field);
  if (!Number.isFinite(v)) {
    throw csvError(file, line, col, `${field} overflows`, "a finite decimal number");
  }
  return v;
}
