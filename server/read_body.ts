/**
 * Reads a request body as text without ever holding more than a cap: the
 * declared Content-Length is checked first, then the stream is counted as
 * it arrives (chunked bodies have no length) and cancelled past the cap.
 *
 * @module
 */
import { LensError } from "../core/errors.ts";

function tooLarge(bytes: number | string, max: number): LensError {
  return new LensError(`body of ${bytes} bytes is too large`, {
    code: "too_large",
    expected: `at most ${max} bytes`,
  });
}

/** The body as UTF-8 text; a LensError `too_large` (413) past `max` bytes. */
export async function readBodyCapped(req: Request, max: number): Promise<string> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > max) throw tooLarge(declared, max);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(`more than ${max}`, max);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}
