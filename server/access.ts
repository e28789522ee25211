/**
 * Who may talk to the server, and who may change anything.
 *
 * Every request: its `Host` must be one of the server's own loopback names
 * (127.0.0.1, localhost, [::1]) with the server's port, or a name allowed
 * at start (`--allow-host`); anything else is 403, so a DNS-rebinding page
 * (evil.example resolving to 127.0.0.1) reads nothing.
 *
 * State-changing requests (start a run, stop a run) additionally need:
 * no `Origin` other than the server's own (`null` refused), no
 * `Sec-Fetch-Site` other than `same-origin` / `none`, a JSON or YAML body
 * type, and the server's token: `X-Lens-Token: <per-server random token>`
 * (the dashboard page carries it; a cross-site page cannot read it, and a
 * simple cross-site request cannot send the header), or
 * `Authorization: Bearer <--token>` from any address. Without a bearer
 * token the request must come from this machine.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "../deps/hono.ts";
import { LensError } from "../core/errors.ts";
import type { AppEnv } from "./context.ts";

/** What {@link hostGuard} and {@link assertMayChange} check against. */
export interface AccessPolicy {
  /** Random token generated at start; the dashboard page carries it. */
  sessionToken: string;
  /** Token given with `--token`: `Authorization: Bearer` with it may change things from anywhere. */
  remoteToken?: string;
  /** Host names allowed besides the loopback ones (any port). */
  allowHosts: readonly string[];
  /** The port the server listens on; undefined accepts loopback names on any port (tests). */
  port(): number | undefined;
}

/** A fresh random token: 32 bytes as hex. */
export function randomToken(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether an address names this machine: 127.0.0.0/8, ::1, or IPv4-mapped 127.x. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^\[|\]$/g, "").toLowerCase();
  if (a === "::1" || a === "localhost") return true;
  const v4 = a.startsWith("::ffff:") ? a.slice(7) : a;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Splits a Host header into a lower-case name (IPv6 kept in brackets) and a port (80 if none). */
export function splitHost(host: string): { name: string; port: number } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.\-_]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  if (!m) return undefined;
  return { name: m[1].toLowerCase(), port: m[2] === undefined ? 80 : Number(m[2]) };
}

/** Whether a Host header value names this server under `policy`. */
export function hostAllowed(host: string, policy: AccessPolicy): boolean {
  const h = splitHost(host);
  if (!h) return false;
  if (policy.allowHosts.some((a) => a.toLowerCase() === h.name)) return true;
  if (!LOOPBACK_NAMES.has(h.name)) return false;
  const port = policy.port();
  return port === undefined || h.port === port;
}

/** The request's Host (the header, or the URL's host where there is none, as in app.request). */
export function requestHost(c: Context<AppEnv>): string {
  return c.req.header("host") ?? new URL(c.req.url).host;
}

/** Middleware answering 403 to any request whose Host is not this server's. */
export function hostGuard(policy: AccessPolicy): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const host = requestHost(c);
    if (!hostAllowed(host, policy)) {
      throw new LensError(`host "${host.slice(0, 100)}" is not this server`, {
        code: "forbidden",
        field: "Host",
        expected: "127.0.0.1, localhost or [::1] with the server's port, or a name given with " +
          "--allow-host",
      });
    }
    await next();
  };
}

/** Compares two strings in time independent of where they differ. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Media types a state-changing request may carry. */
const BODY_TYPES = ["application/json", "application/yaml"];

function refuse(message: string, expected: string, field?: string): LensError {
  return new LensError(message, { code: "forbidden", expected, field });
}

/** Throws unless the Origin / Sec-Fetch-Site headers say the request comes from the page itself. */
function assertSameOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header("origin");
  if (origin !== undefined) {
    const host = requestHost(c).toLowerCase();
    const own = [`http://${host}`, `https://${host}`];
    if (!own.includes(origin.trim().toLowerCase())) {
      throw refuse(
        `cross-site request from origin ${origin.slice(0, 100)} refused`,
        "a request from the dashboard's own origin",
        "Origin",
      );
    }
  }
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    throw refuse(
      `cross-site request (Sec-Fetch-Site: ${site.slice(0, 40)}) refused`,
      "a request from the dashboard's own origin",
      "Sec-Fetch-Site",
    );
  }
}

/** Throws 415 unless the body type is JSON or YAML (`needed`: a body type is required). */
function assertBodyType(c: Context<AppEnv>, needed: boolean): void {
  const raw = c.req.header("content-type");
  if (raw === undefined && !needed) return;
  const type = (raw ?? "").split(";")[0].trim().toLowerCase();
  if (!BODY_TYPES.includes(type)) {
    throw new LensError(`body of type "${(raw ?? "none").slice(0, 80)}" refused`, {
      code: "media_type",
      field: "Content-Type",
      expected: BODY_TYPES.join(" or "),
    });
  }
}

/**
 * Throws a LensError (`forbidden` 403, `unauthorized` 401, `media_type`
 * 415) unless the request may change state (start or stop a run). `body`:
 * the route takes a body (its Content-Type must then be JSON or YAML).
 */
export function assertMayChange(
  c: Context<AppEnv>,
  policy: AccessPolicy,
  opts: { body: boolean },
): void {
  assertSameOrigin(c);
  assertBodyType(c, opts.body);
  const auth = c.req.header("authorization");
  if (policy.remoteToken && auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m || !sameSecret(m[1], policy.remoteToken)) {
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
    throw refuse(
      `changes from ${remote ?? "an unknown address"} are not allowed`,
      policy.remoteToken
        ? "a request from this machine, or Authorization: Bearer <token>"
        : "a request from this machine (start the server with --token to allow others)",
    );
  }
  const given = c.req.header("x-lens-token");
  if (given === undefined || !sameSecret(given, policy.sessionToken)) {
    throw new LensError(given === undefined ? "missing X-Lens-Token" : "invalid X-Lens-Token", {
      code: "unauthorized",
      field: "X-Lens-Token",
      expected: "the token of this server's dashboard page",
    });
  }
}
