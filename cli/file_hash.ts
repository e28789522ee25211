/**
 * SHA-256 of input files, so a run imported from files (`lens analyze`,
 * `lens features`) records which bytes it was computed from; the dashboard
 * shows them.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename } from "node:path";

/**
 * Bytes read per call, into one buffer: large enough that the reads cost
 * little beside the hashing, small enough that first touching the buffer's
 * pages (dear on a VM) does not cost more than the reads save.
 */
const CHUNK = 1 << 20;

/**
 * Hex SHA-256 of the file at `path`, read in 1 MiB chunks (synchronously:
 * streamed 64 KiB reads cost several times the hashing itself).
 */
export function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = Deno.openSync(path, { read: true });
  try {
    const buf = new Uint8Array(CHUNK);
    for (let n = file.readSync(buf); n !== null; n = file.readSync(buf)) {
      hash.update(n === buf.length ? buf : buf.subarray(0, n));
    }
  } finally {
    file.close();
  }
  return Promise.resolve(hash.digest("hex"));
}

/** `{ name: sha256 }` of the distinct files (keyed by base name; full paths on a clash). */
export async function fileHashes(paths: readonly string[]): Promise<Record<string, string>> {
  const distinct = [...new Set(paths)];
  const names = distinct.map((p) => basename(p));
  const out: Record<string, string> = {};
  for (const [i, p] of distinct.entries()) {
    const key = names.indexOf(names[i]) === names.lastIndexOf(names[i]) ? names[i] : p;
    out[key] = await sha256File(p);
  }
  return out;
}
