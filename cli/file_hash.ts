/**
 * SHA-256 of input files, so a run imported from files (`lens analyze`,
 * `lens features`) records which bytes it was computed from; the dashboard
 * shows them.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename } from "node:path";

/** Hex SHA-256 of the file at `path`, read in chunks. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  // the readable closes the file when it ends or is cancelled
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
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
