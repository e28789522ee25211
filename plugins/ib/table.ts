/**
 * Reads a user's joint p(x, y) table: an X x Y matrix in a `.npy` file (any
 * numeric dtype, 2-D) or a `.csv` file (comma-separated numbers, one row of
 * X per line, blank lines skipped, an optional header line of non-numbers).
 * Entries may have any positive scale; they are normalised.
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import { csvNumber, splitCsvRows } from "../../core/data/csv_rows.ts";
import { readBytes, readNpy } from "../../core/data/npy.ts";
import { type IbJoint, jointFromTable } from "./joint.ts";

/**
 * Parses CSV text of a numeric matrix; errors name `file` and the line.
 *
 * @example
 * ```ts
 * parseMatrixCsv("0.25,0\n0.25,0.5\n", "j.csv"); // { rows: 2, cols: 2, data: [0.25, 0, 0.25, 0.5] }
 * ```
 */
export function parseMatrixCsv(
  text: string,
  file: string,
): { rows: number; cols: number; data: Float64Array } {
  const { cols, rows } = splitCsvRows(text, file);
  if (rows.length === 0) {
    throw new LensError("no rows", { code: "data", file, expected: "an X x Y matrix" });
  }
  const data = new Float64Array(rows.length * cols);
  rows.forEach(({ line, fields }, r) => {
    for (let c = 0; c < cols; c++) data[r * cols + c] = csvNumber(fields[c], file, line, c + 1);
  });
  return { rows: rows.length, cols, data };
}

/**
 * The joint in a `.npy` or `.csv` file holding p(x, y) as an X x Y matrix.
 *
 * @example
 * ```ts
 * const joint = readJointTable("joint.csv"); // { px, pyx, nx, ny }
 * ```
 */
export function readJointTable(path: string): IbJoint {
  const lower = path.toLowerCase();
  if (lower.endsWith(".npy")) {
    const a = readNpy(path);
    if (a.shape.length !== 2) {
      throw new LensError(`array has shape [${a.shape.join(", ")}]`, {
        code: "data",
        file: path,
        field: "p(x,y)",
        expected: "a 2-D array X x Y",
      });
    }
    const d = a.data;
    const values = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) values[i] = Number(d[i]);
    return jointFromTable(values, a.shape[0], a.shape[1], path);
  }
  if (lower.endsWith(".csv")) {
    const text = new TextDecoder().decode(readBytes(path, "table file"));
    const m = parseMatrixCsv(text, path);
    return jointFromTable(m.data, m.rows, m.cols, path);
  }
  throw new LensError("unknown table format", {
    code: "data",
    file: path,
    field: "table",
    expected: "a .npy or .csv file",
  });
}
