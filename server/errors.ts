/**
 * Maps errors to JSON responses `{error: message}`: a {@link LensError}'s
 * code picks the status; anything else is a 500 whose message names the
 * failure but never carries a stack trace.
 *
 * @module
 */
import type { Context } from "../deps/hono.ts";
import type { ContentfulStatusCode } from "../deps/hono_utils_http_status.ts";
import { errorMessage, LensError } from "../core/errors.ts";

/** HTTP status per LensError code; codes not listed answer 500. */
const STATUS: Record<string, ContentfulStatusCode> = {
  not_found: 404,
  config: 400,
  filter: 400,
  request: 400,
  budget: 400,
  plugin: 400,
  options: 400,
  usage: 400,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  too_large: 413,
  media_type: 415,
  busy: 429,
};

/** Status for an error thrown while answering a request. */
export function statusOf(e: unknown): ContentfulStatusCode {
  return e instanceof LensError ? STATUS[e.code] ?? 500 : 500;
}

/** The Hono `onError` handler. */
export function onError(e: Error, c: Context): Response {
  const status = statusOf(e);
  if (status >= 500) console.error(`layerlens server: ${c.req.method} ${c.req.path}: ${e.stack}`);
  const body: Record<string, unknown> = { error: errorMessage(e) };
  if (e instanceof LensError && e.field) body.field = e.field;
  return c.json(body, status);
}

/** A 404 for a missing run. */
export function runNotFound(id: string): LensError {
  return new LensError(`no run with id "${id}"`, { code: "not_found", field: "id" });
}
