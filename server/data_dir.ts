/**
 * Which files a config sent over HTTP may name: none, unless the server
 * was started with a data directory; then only regular files under it,
 * after every link is resolved (realpath). Relative paths are taken
 * relative to that directory. Every refusal carries the same message, so
 * an answer never tells whether a file outside the directory exists, and
 * no file is opened here (only resolved and stat'ed).
 *
 * @module
 */
import { isAbsolute, relative, resolve } from "node:path";
import { LensError } from "../core/errors.ts";

/** Whether `path` is `dir` or lies below it (both absolute, normalised). */
function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * The real path of the file `given` names under `dataDir` (itself a real
 * path), and its size; a LensError `forbidden` (403) for anything else.
 */
export function confinedFile(
  given: string,
  dataDir: string | undefined,
  field: string,
): Promise<{ path: string; bytes: number }> {
  return confined(given, dataDir, field, "file");
}

/**
 * The real path of the folder `given` names under `dataDir` (a data set kept
 * as several files, such as CIFAR-10's binary archive); refused as
 * {@link confinedFile} refuses.
 */
export async function confinedDir(
  given: string,
  dataDir: string | undefined,
  field: string,
): Promise<string> {
  return (await confined(given, dataDir, field, "folder")).path;
}

async function confined(
  given: string,
  dataDir: string | undefined,
  field: string,
  kind: "file" | "folder",
): Promise<{ path: string; bytes: number }> {
  if (dataDir === undefined) {
    throw new LensError("configs sent to this server may not name files", {
      code: "forbidden",
      field,
      expected: "a built-in data set (tishby12, mnist), or a server started with --data-dir DIR",
    });
  }
  const refused = () =>
    new LensError(`not a readable ${kind} under the server's data directory`, {
      code: "forbidden",
      field,
      expected: "a path relative to the data directory (links may not leave it)",
    });
  const lexical = resolve(dataDir, given);
  if (given.includes("\0") || !inside(dataDir, lexical)) throw refused();
  let real: string;
  let info: Deno.FileInfo;
  try {
    real = await Deno.realPath(lexical);
    info = await Deno.stat(real);
  } catch {
    throw refused();
  }
  if (!inside(dataDir, real) || !(kind === "file" ? info.isFile : info.isDirectory)) {
    throw refused();
  }
  return { path: real, bytes: info.size };
}
