/**
 * Who may start runs: requests from this machine (loopback), or from
 * anywhere with `Authorization: Bearer <token>` when the server has a
 * token. A wrong token is refused even from loopback, and a browser request
 * whose Origin is another site is refused (no cross-site run starts).
 *
 * @module
 */
import type { Context } from "hono";
import { LensError } from "../core/errors.ts";
import type { AppEnv } from "./context.ts";

/** Whether an address names this machine: 127.0.0.0/8, ::1, or IPv4-mapped 127.x. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^\[|\]$/g, "").toLowerCase();
  if (a === "::1" || a === "localhost") return true;
  const v4 = a.startsWith("::ffff:") ? a.slice(7) : a;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Compares two strings in time independent of where they differ. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * Throws a LensError (`unauthorized` 401, `forbidden` 403) unless the
 * request may start a run.
 */
export function assertMayStartRun(c: Context<AppEnv>, token: string | undefined): void {
  const auth = c.req.header("authorization");
  if (token && auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m || !sameSecret(m[1], token)) {
      throw new LensError("invalid token", {
        code: "unauthorized",
        field: "Authorization",
        expected: "Bearer <the token the server was started with>",
      });
    }
    return;
  }
  const remote = c.env?.remoteAddr?.hostname;
  if (!isLoopback(remote)) {
    throw new LensError(
      `starting runs from ${remote ?? "an unknown address"} is not allowed`,
      {
        code: "forbidden",
        expected: token
          ? "a request from this machine, or Authorization: Bearer <token>"
          : "a request from this machine (start the server with a token to allow others)",
      },
    );
  }
  const url = new URL(c.req.url);
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== "null") {
    let host = "";
    try {
      host = new URL(origin).host;
    } catch {
      host = "";
    }
    if (host !== url.host) {
      throw new LensError(`cross-site request from ${origin} refused`, {
        code: "forbidden",
        expected: "a request from the dashboard's own origin",
      });
    }
  }
  if (!isLoopback(url.hostname)) {
    throw new LensError(`host "${url.hostname}" is not a loopback name`, {
      code: "forbidden",
      expected: "the dashboard opened as 127.0.0.1 or localhost, or a token",
    });
  }
}
