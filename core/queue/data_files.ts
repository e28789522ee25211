/**
 * The data files a config reads, and their content hashes: a queued job
 * carries the sha256 of each so that a worker whose copy differs refuses
 * the job instead of training on other data.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from "../data/cifar10.ts";
import { MNIST_DATA_DIR } from "../data/mnist.ts";
import { LensError } from "../errors.ts";
import type { DataSpec } from "../types.ts";

/** A data file and the sha256 (hex) of its bytes. */
export interface DataFileHash {
  /**
   * Path as the config names it (every worker must see the file at this
   * path), or `layerlens:<path>` for a file inside the layerlens install
   * (the 12-bit labels, the MNIST package), found under each worker's own.
   */
  path: string;
  /** Lower-case hex sha256 of the file's bytes. */
  sha256: string;
}

const MNIST_FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];

/** The layerlens install (repository root) on this machine. */
const ROOT = new URL("../../", import.meta.url);

/** Prefix of paths inside the layerlens install. */
const INSTALL = "layerlens:";

/** `url` as a `layerlens:` path when it lies inside the install, else its file path. */
function logical(url: URL): string {
  return url.href.startsWith(ROOT.href) ? INSTALL + url.href.slice(ROOT.href.length) : url.pathname;
}

/** The file path on this machine of a {@link DataFileHash.path}. */
export function localDataPath(path: string): string {
  return path.startsWith(INSTALL) ? new URL(path.slice(INSTALL.length), ROOT).pathname : path;
}

/**
 * Paths of the files loading `spec` reads (mnist: the raw or `.gz` IDX
 * files, whichever is present; tishby12: its label file), as
 * {@link DataFileHash.path}s.
 *
 * @example
 * ```ts
 * dataFiles({ name: "file", path: "x.npy", labels: "y.npy", trainFraction: 0.8 });
 * // ["x.npy", "y.npy"]
 * ```
 */
export function dataFiles(spec: DataSpec): string[] {
  switch (spec.name) {
    case "tishby12":
      return [logical(new URL("data/var_u_labels.hex", ROOT))];
    case "mnist":
      return MNIST_FILES.map((f) => {
        const url = new URL(f, MNIST_DATA_DIR);
        const gz = new URL(`${f}.gz`, MNIST_DATA_DIR);
        return logical(!existsSync(url) && existsSync(gz) ? gz : url);
      });
    case "cifar10":
      return [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].map((f) => join(spec.path, f));
    case "file":
      return spec.labels === undefined ? [spec.path] : [spec.path, spec.labels];
  }
}

/** Hex sha256 of bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Hex sha256 of a file's bytes; a LensError naming the file when it cannot be read. */
export function fileSha256(path: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new LensError(`cannot read data file: ${(e as Error).message}`, {
      code: e instanceof Deno.errors.NotFound ? "not_found" : "data",
      file: path,
    });
  }
  return sha256Hex(bytes);
}

/** The hashes of the files `spec` reads. */
export function hashDataFiles(spec: DataSpec): DataFileHash[] {
  return dataFiles(spec).map((path) => ({ path, sha256: fileSha256(localDataPath(path)) }));
}

/**
 * Why this machine's copies differ from `expected` (one line per file), or
 * an empty list when every file is present with the same bytes.
 */
export function dataFileMismatches(expected: readonly DataFileHash[]): string[] {
  const out: string[] = [];
  for (const f of expected) {
    const local = localDataPath(f.path);
    if (!existsSync(local)) {
      out.push(`${f.path} is missing on this worker (looked at ${local})`);
      continue;
    }
    const here = fileSha256(local);
    if (here !== f.sha256) {
      out.push(
        `${f.path} differs on this worker (sha256 ${here.slice(0, 12)}... here, ` +
          `${f.sha256.slice(0, 12)}... in the job)`,
      );
    }
  }
  return out;
}
