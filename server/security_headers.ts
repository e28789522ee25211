/**
 * Headers every response carries: no MIME sniffing, no referrer, no
 * framing, and a content security policy that fits the dashboard (its own
 * scripts, styles and API only; no inline script; chart PNGs as data: and
 * blob: URLs).
 *
 * @module
 */
import type { MiddlewareHandler } from "../deps/hono.ts";
import type { AppEnv } from "./context.ts";

/** The dashboard's content security policy. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The headers, by name. */
export const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** Middleware setting {@link SECURITY_HEADERS} on every response, errors included. */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
  };
}
