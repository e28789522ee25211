/**
 * Reading and writing numpy `.npy` files (format versions 1.0, 2.0, 3.0).
 *
 * Supported element types: `f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1` (booleans are
 * held as a `Uint8Array` of 0/1). Big-endian files are converted to the
 * machine's little-endian order, and Fortran-order arrays are transposed to
 * C (row-major) order, so an {@link NpyArray} is always little-endian and
 * row-major. Object, string, structured, complex and float16 arrays are
 * refused with a {@link LensError} naming the file.
 *
 * @module
 */
import { LensError } from "../errors.ts";

/** Typed arrays an {@link NpyArray} can hold. */
export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/**
 * An n-dimensional array in row-major (C) order.
 *
 * `dtype` is the numpy type code without byte order: one of `f4 f8 i1 u1 i2
 * u2 i4 u4 i8 u8 b1`, and `data` is the matching typed array (`b1` ->
 * `Uint8Array` of 0/1). `shape` is `[]` for a scalar (one element).
 *
 * @example
 * ```ts
 * const a: NpyArray = { dtype: "f4", shape: [2, 3], data: new Float32Array(6) };
 * ```
 */
export interface NpyArray {
  /** Numpy type code without byte order: `f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1`. */
  dtype: string;
  /** Size of each dimension, outermost first; `[]` for a scalar. */
  shape: number[];
  /** The elements in row-major (C) order, as the typed array matching `dtype`. */
  data: NpyData;
}

interface DtypeInfo {
  size: number;
  make: (buf: ArrayBuffer, byteOffset?: number, length?: number) => NpyData;
  matches: (d: NpyData) => boolean;
}

const DTYPES: Record<string, DtypeInfo> = {
  f4: {
    size: 4,
    make: (b, o, n) => new Float32Array(b, o, n),
    matches: (d) => d instanceof Float32Array,
  },
  f8: {
    size: 8,
    make: (b, o, n) => new Float64Array(b, o, n),
    matches: (d) => d instanceof Float64Array,
  },
  i1: {
    size: 1,
    make: (b, o, n) => new Int8Array(b, o, n),
    matches: (d) => d instanceof Int8Array,
  },
  u1: {
    size: 1,
    make: (b, o, n) => new Uint8Array(b, o, n),
    matches: (d) => d instanceof Uint8Array,
  },
  b1: {
    size: 1,
    make: (b, o, n) => new Uint8Array(b, o, n),
    matches: (d) => d instanceof Uint8Array,
  },
  i2: {
    size: 2,
    make: (b, o, n) => new Int16Array(b, o, n),
    matches: (d) => d instanceof Int16Array,
  },
  u2: {
    size: 2,
    make: (b, o, n) => new Uint16Array(b, o, n),
    matches: (d) => d instanceof Uint16Array,
  },
  i4: {
    size: 4,
    make: (b, o, n) => new Int32Array(b, o, n),
    matches: (d) => d instanceof Int32Array,
  },
  u4: {
    size: 4,
    make: (b, o, n) => new Uint32Array(b, o, n),
    matches: (d) => d instanceof Uint32Array,
  },
  i8: {
    size: 8,
    make: (b, o, n) => new BigInt64Array(b, o, n),
    matches: (d) => d instanceof BigInt64Array,
  },
  u8: {
    size: 8,
    make: (b, o, n) => new BigUint64Array(b, o, n),
    matches: (d) => d instanceof BigUint64Array,
  },
};

const SUPPORTED = "one of f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1 (numeric, non-structured)";
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The machine is little-endian (true on every platform Deno runs on). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(file: string, message: string, expected?: string): never {
  throw new LensError(message, { code: "data", file, expected });
}

// ---------------------------------------------------------------------------
// The header: a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }

type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

/**
 * Longest header accepted, in bytes (numpy's own reader refuses longer ones
 * by default too): a plain dtype's header is under 200 bytes.
 */
export const MAX_NPY_HEADER_LENGTH = 10000;

/** Deepest nesting of brackets accepted in a header (a plain one nests 2 deep). */
export const MAX_NPY_HEADER_DEPTH = 16;

function parsePyLiteral(text: string, file: string): PyValue {
  let i = 0;
  const bad = (what: string): never => {
    const shown = text.trim();
    return fail(
      file,
      `malformed .npy header near character ${i}: ${what} in ${
        JSON.stringify(shown.length > 200 ? `${shown.slice(0, 200)}...` : shown)
      }`,
      "a Python dict literal with keys descr, fortran_order, shape",
    );
  };
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  let depth = 0;
  const value = (): PyValue => {
    skip();
    const c = text[i];
    if ((c === "{" || c === "(" || c === "[") && ++depth > MAX_NPY_HEADER_DEPTH) {
      bad(`brackets nested more than ${MAX_NPY_HEADER_DEPTH} deep`);
    }
    if (c === "{") {
      i++;
      const obj: { [k: string]: PyValue } = {};
      for (;;) {
        skip();
        if (text[i] === "}") {
          i++;
          depth--;
          return obj;
        }
        const key = value();
        if (typeof key !== "string") bad("dict key is not a string");
        skip();
        if (text[i] !== ":") bad("expected ':'");
        i++;
        obj[key as string] = value();
        skip();
        if (text[i] === ",") i++;
        else if (text[i] !== "}") bad("expected ',' or '}'");
      }
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      i++;
      const items: PyValue[] = [];
      for (;;) {
        skip();
        if (text[i] === close) {
          i++;
          depth--;
          return items;
        }
        items.push(value());
        skip();
        if (text[i] === ",") i++;
        else if (text[i] !== close) bad(`expected ',' or '${close}'`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) bad("unterminated string");
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i));
    if (!m) return bad("unexpected token");
    i += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    if (m[0] === "None") return null;
    return Number(m[0].replace("L", ""));
  };
  const v = value();
  skip();
  if (i !== text.length) bad("trailing characters after the dict");
  return v;
}

interface Header {
  dtype: string;
  bigEndian: boolean;
  fortran: boolean;
  shape: number[];
}

function interpretHeader(h: PyValue, file: string): Header {
  if (h === null || typeof h !== "object" || Array.isArray(h)) {
    fail(
      file,
      "the .npy header is not a dict",
      "{'descr': ..., 'fortran_order': ..., 'shape': ...}",
    );
  }
  const { descr, fortran_order: fortran, shape } = h as { [k: string]: PyValue };
  if (typeof descr !== "string") {
    fail(
      file,
      `structured arrays (descr ${JSON.stringify(descr)}) are not supported`,
      `a plain dtype, ${SUPPORTED}`,
    );
  }
  const m = /^([<>|=]?)([a-zA-Z?])(\d*)$/.exec(descr as string);
  if (!m) fail(file, `unsupported dtype '${descr}'`, SUPPORTED);
  let [, order, kind, size] = m!;
  if (kind === "?") {
    kind = "b";
    size ||= "1";
  }
  const code = `${kind}${size}`;
  if (kind === "O") {
    fail(
      file,
      "object arrays (dtype O) are not supported: they need pickle",
      `a numeric array (${SUPPORTED}); convert with arr.astype(np.float32) before np.save`,
    );
  }
  if (!(code in DTYPES)) fail(file, `unsupported dtype '${descr}'`, SUPPORTED);
  if (typeof fortran !== "boolean") {
    fail(file, "the .npy header lacks a boolean 'fortran_order'", "fortran_order: True or False");
  }
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)
  ) {
    fail(
      file,
      `bad 'shape' ${JSON.stringify(shape)} in the .npy header`,
      "a tuple of integers >= 0",
    );
  }
  const bigEndian = order === ">" && DTYPES[code].size > 1;
  return { dtype: code, bigEndian, fortran: fortran as boolean, shape: shape as number[] };
}

// ---------------------------------------------------------------------------
// Layout helpers

function byteSwap(bytes: Uint8Array, size: number): void {
  for (let o = 0; o < bytes.length; o += size) {
    for (let a = o, b = o + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** Reorders elements stored column-major (Fortran) into row-major (C) order. */
function fortranToC(
  src: Uint8Array<ArrayBuffer>,
  shape: number[],
  size: number,
): Uint8Array<ArrayBuffer> {
  const nd = shape.length;
  const count = shape.reduce((a, b) => a * b, 1);
  if (nd < 2 || count === 0) return src;
  const out = new Uint8Array(src.length);
  // Fortran strides, in elements
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let k = 0; k < nd; k++) {
    fStride[k] = s;
    s *= shape[k];
  }
  const idx = new Array<number>(nd).fill(0);
  let f = 0; // Fortran offset of the current C-order element
  for (let c = 0; c < count; c++) {
    out.set(src.subarray(f * size, f * size + size), c * size);
    // advance the C-order index (last dimension fastest)
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]++;
      f += fStride[k];
      if (idx[k] < shape[k]) break;
      f -= fStride[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Parse and encode

/**
 * Parses the bytes of a `.npy` file. `file` is only used in error messages.
 * The data is copied, so the result does not alias `bytes`, unless `adopt`
 * is true: then `bytes` (which must not be used afterwards) becomes the
 * array's storage when the data is aligned for its dtype, little-endian and
 * C-ordered (no copy).
 *
 * @example
 * ```ts
 * const a = parseNpy(Deno.readFileSync("x.npy"), "x.npy");
 * console.log(a.dtype, a.shape); // "f4" [100, 12]
 * ```
 */
export function parseNpy(bytes: Uint8Array, file = "<bytes>", adopt = false): NpyArray {
  const head = readHeader(bytes, file);
  if (head === undefined) {
    if (bytes.length < 10) {
      fail(file, "not a .npy file: the magic string \\x93NUMPY is missing", NOT_NPY);
    }
    const major = bytes[6];
    if (major === 1 || bytes.length >= 12) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const claimed = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
      fail(file, `the .npy header claims ${claimed} bytes but the file ends first`, NOT_NPY);
    }
    fail(file, "the .npy file ends inside its header", NOT_NPY);
  }
  const { header, offset, nbytes } = head!;
  const info = DTYPES[header.dtype];
  if (offset + nbytes > bytes.length) {
    fail(
      file,
      `the .npy data is truncated: shape (${header.shape.join(", ")}) of ${header.dtype} needs ` +
        `${nbytes} bytes, the file holds ${bytes.length - offset}`,
      "a complete file",
    );
  }
  const inPlace = adopt && bytes.buffer instanceof ArrayBuffer && !header.fortran &&
    header.bigEndian !== LITTLE_ENDIAN && (bytes.byteOffset + offset) % info.size === 0;
  let data: NpyData;
  if (inPlace) {
    // the caller hands over bytes of its own: a view of them, no copy
    data = info.make(bytes.buffer as ArrayBuffer, bytes.byteOffset + offset, nbytes / info.size);
  } else {
    // copy (also fixes alignment), then fix byte order and layout
    let raw = bytes.slice(offset, offset + nbytes);
    if (header.bigEndian === LITTLE_ENDIAN) byteSwap(raw, info.size);
    if (header.fortran) raw = fortranToC(raw, header.shape, info.size);
    data = info.make(raw.buffer);
  }
  if (header.dtype === "b1") {
    const u = data as Uint8Array;
    for (let k = 0; k < u.length; k++) if (u[k] > 1) u[k] = 1;
  }
  return { dtype: header.dtype, shape: header.shape, data };
}

const NOT_NPY = "a .npy file (numpy.save), which starts with \\x93NUMPY";

/**
 * The header of a `.npy` file at the start of `bytes`: where the data
 * starts and how many bytes it declares; undefined while `bytes` ends
 * before the header does (a stream reads on). Throws a {@link LensError}
 * for anything that is not a supported header.
 */
function readHeader(
  bytes: Uint8Array,
  file: string,
): { header: Header; offset: number; nbytes: number } | undefined {
  const magic = Math.min(bytes.length, MAGIC.length);
  if (MAGIC.slice(0, magic).some((b, k) => bytes[k] !== b)) {
    fail(file, "not a .npy file: the magic string \\x93NUMPY is missing", NOT_NPY);
  }
  if (bytes.length < 10) return undefined;
  const major = bytes[6];
  const minor = bytes[7];
  if (![1, 2, 3].includes(major) || minor !== 0) {
    fail(file, `unsupported .npy format version ${major}.${minor}`, "version 1.0, 2.0 or 3.0");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else {
    if (bytes.length < 12) return undefined;
    headerLen = view.getUint32(8, true);
    start = 12;
  }
  if (headerLen > MAX_NPY_HEADER_LENGTH) {
    fail(
      file,
      `the .npy header is ${headerLen} bytes long, more than the ${MAX_NPY_HEADER_LENGTH} ` +
        "accepted",
      "a plain numeric array's header (under 200 bytes)",
    );
  }
  if (start + headerLen > bytes.length) return undefined;
  const decoder = new TextDecoder(major === 3 ? "utf-8" : "latin1");
  const headerText = decoder.decode(bytes.subarray(start, start + headerLen));
  const header = interpretHeader(parsePyLiteral(headerText, file), file);
  const count = header.shape.reduce((a, b) => a * b, 1);
  return { header, offset: start + headerLen, nbytes: count * DTYPES[header.dtype].size };
}

/** What a `.npy` header declares, and where its data starts. */
export interface NpyLayout {
  /** Numpy type code without byte order (`f4`, `f8`, `i4`, ...). */
  dtype: string;
  /** Size of each dimension, outermost first. */
  shape: number[];
  /** Whether the elements are stored big-endian. */
  bigEndian: boolean;
  /** Whether the elements are stored in Fortran (column-major) order. */
  fortran: boolean;
  /** Byte offset of the first element from the start of the `.npy` bytes. */
  offset: number;
  /** Bytes of data the shape and dtype declare. */
  nbytes: number;
}

/**
 * The header of the `.npy` file whose first bytes are `bytes` (only the
 * header needs to be there); undefined while `bytes` ends before the header
 * does. Throws a {@link LensError} for a header that is not a supported one.
 *
 * @example
 * ```ts
 * const bytes = encodeNpy({ dtype: "f4", shape: [2, 3], data: new Float32Array(6) });
 * npyLayout(bytes.subarray(0, 128), "x.npy"); // { dtype: "f4", shape: [2, 3], offset: 128, ... }
 * ```
 */
export function npyLayout(bytes: Uint8Array, file = "<bytes>"): NpyLayout | undefined {
  const head = readHeader(bytes, file);
  if (!head) return undefined;
  const { header, offset, nbytes } = head;
  return { ...header, offset, nbytes };
}

/**
 * The size in bytes of the whole `.npy` file whose first bytes are
 * `bytes`, as its header declares (header plus shape x element size);
 * undefined while `bytes` ends before the header does. Throws a
 * {@link LensError} for a header that is not a supported one. Used to
 * bound what an archive entry may expand to before inflating it.
 */
export function npyDeclaredSize(bytes: Uint8Array, file = "<bytes>"): number | undefined {
  const head = readHeader(bytes, file);
  return head && head.offset + head.nbytes;
}

function normalizeDtype(dtype: string): string {
  const code = dtype.replace(/^[<|=]/, "");
  return code === "?" ? "b1" : code;
}

/**
 * Encodes an array as `.npy` bytes (format 1.0, or 2.0 when the header is
 * too long for 1.0), little-endian, C order. `dtype` may carry a `<`, `|`
 * or `=` prefix; the typed array must match it and hold `prod(shape)`
 * elements.
 *
 * @example
 * ```ts
 * const bytes = encodeNpy({ dtype: "i4", shape: [3], data: new Int32Array([1, 2, 3]) });
 * ```
 */
export function encodeNpy(arr: NpyArray): Uint8Array {
  const dtype = normalizeDtype(arr.dtype);
  const info = DTYPES[dtype];
  const where = { code: "data", field: "dtype" };
  if (!info) {
    throw new LensError(`cannot encode dtype '${arr.dtype}'`, { ...where, expected: SUPPORTED });
  }
  if (!info.matches(arr.data)) {
    throw new LensError(`data is a ${arr.data.constructor.name}, which does not match '${dtype}'`, {
      ...where,
      expected:
        "the typed array of the dtype (f4: Float32Array, i8: BigInt64Array, b1: Uint8Array, ...)",
    });
  }
  if (!arr.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new LensError(`bad shape [${arr.shape.join(", ")}]`, {
      code: "data",
      field: "shape",
      expected: "integers >= 0",
    });
  }
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (count !== arr.data.length) {
    throw new LensError(
      `shape [${arr.shape.join(", ")}] holds ${count} elements, data has ${arr.data.length}`,
      { code: "data", field: "shape", expected: "prod(shape) === data.length" },
    );
  }
  const order = info.size === 1 ? "|" : "<";
  const shapeText = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(", ")})`;
  let dict = `{'descr': '${order}${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let major = 1;
  let prefix = 10;
  if (dict.length + 1 + prefix > 65535) {
    major = 2;
    prefix = 12;
  }
  // pad with spaces so that the data starts on a multiple of 64 bytes
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - prefix - 1, " ") + "\n";
  const out = new Uint8Array(total + count * info.size);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, dict.length, true);
  else view.setUint32(8, dict.length, true);
  for (let k = 0; k < dict.length; k++) out[prefix + k] = dict.charCodeAt(k);
  const body = new Uint8Array(arr.data.buffer, arr.data.byteOffset, count * info.size);
  out.set(body, total);
  if (!LITTLE_ENDIAN) byteSwap(out.subarray(total), info.size);
  if (dtype === "b1") {
    const b = out.subarray(total);
    for (let k = 0; k < b.length; k++) if (b[k] > 1) b[k] = 1;
  }
  return out;
}

/** Reads a file's bytes, turning a missing file into a {@link LensError}. */
export function readBytes(path: string, what = "file"): Uint8Array {
  try {
    return Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new LensError(`${what} not found`, { code: "not_found", file: path });
    }
    throw new LensError(`cannot read ${what}: ${(e as Error).message}`, {
      code: "data",
      file: path,
    });
  }
}

/**
 * Reads a `.npy` file.
 *
 * @example
 * ```ts
 * const { shape, data } = readNpy("activations.npy");
 * ```
 */
export function readNpy(path: string): NpyArray {
  return parseNpy(readBytes(path, ".npy file"), path);
}

/**
 * Writes an array as a `.npy` file (readable by `numpy.load`).
 *
 * @example
 * ```ts
 * writeNpy("y.npy", { dtype: "i4", shape: [2], data: new Int32Array([0, 1]) });
 * ```
 */
export function writeNpy(path: string, arr: NpyArray): void {
  Deno.writeFileSync(path, encodeNpy(arr));
}
