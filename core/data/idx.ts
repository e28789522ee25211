/**
 * The IDX format of the MNIST files (LeCun): a 4-byte magic number (two
 * zero bytes, a type code, the number of dimensions), each dimension as a
 * big-endian uint32, then the data. Only unsigned bytes (type 0x08) are
 * read; gzipped files (`.gz`, magic 1f 8b) are inflated first.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { LensError } from "../errors.ts";

/** An IDX array of unsigned bytes, row-major. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses IDX bytes (optionally gzipped). `expectDims` (the number of
 * dimensions) is checked when given; `file` names the file in errors.
 *
 * @example
 * ```ts
 * const labels = parseIdx(Deno.readFileSync("train-labels-idx1-ubyte"), "train-labels", 1);
 * labels.dims; // [60000]
 * ```
 */
export function parseIdx(bytes: Uint8Array, file: string, expectDims?: number): IdxArray {
  const expected = "an IDX file: bytes 0 0 8 <ndim>, ndim big-endian uint32 sizes, then the data";
  const fail = (message: string): never => {
    throw new LensError(message, { code: "data", file, expected });
  };
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes));
    } catch (e) {
      fail(`gzip data is corrupt: ${(e as Error).message}`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) fail("bad IDX magic number");
  if (bytes[2] !== 0x08) {
    fail(`IDX type code 0x${bytes[2].toString(16)} is not unsigned byte (0x08)`);
  }
  const nd = bytes[3];
  if (expectDims !== undefined && nd !== expectDims) {
    fail(`IDX file has ${nd} dimensions, ${expectDims} were expected`);
  }
  const start = 4 + 4 * nd;
  if (bytes.length < start) fail("the file ends inside the IDX header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let k = 0; k < nd; k++) dims.push(view.getUint32(4 + 4 * k, false));
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== start + count) {
    fail(
      `IDX dims [${dims.join(", ")}] need ${count} data bytes, the file holds ${
        bytes.length - start
      }`,
    );
  }
  return { dims, data: bytes.subarray(start) };
}
