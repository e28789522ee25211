/**
 * The `--queue redis://[user:password@]host:port[/db]` flag: parsed into
 * connection options for BullMQ / ioredis, checked reachable before a
 * command starts (one line and exit 2 otherwise), and shown without its
 * password.
 *
 * @module
 */
import { Redis, type RedisOptions } from "../../deps/ioredis.ts";
import { errorMessage, LensError } from "../errors.ts";

/** A parsed redis URL. */
export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The URL without its password, for messages. */
  display: string;
}

function badUrl(url: string, why: string): LensError {
  return new LensError(`${JSON.stringify(redact(url))}: ${why}`, {
    code: "usage",
    field: "--queue",
    expected: "redis://[user:password@]host:port[/db] (or rediss:// for TLS)",
  });
}

/** `url` with any password replaced by `***`. */
export function redact(url: string): string {
  return url.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, "$1***@");
}

/**
 * Parses a redis URL; a usage error (exit 2) names what is wrong.
 *
 * @example
 * ```ts
 * parseRedisUrl("redis://127.0.0.1:6380/2"); // { host: "127.0.0.1", port: 6380, db: 2, ... }
 * ```
 */
export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badUrl(url, "not a URL");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw badUrl(url, `scheme must be redis: or rediss:, got ${u.protocol}`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw badUrl(url, "no host");
  const port = u.port === "" ? 6379 : Number(u.port);
  const path = u.pathname.replace(/^\//, "");
  if (path !== "" && !/^\d{1,2}$/.test(path)) {
    throw badUrl(url, `database must be 0-15, got ${path}`);
  }
  const db = path === "" ? 0 : Number(path);
  if (db > 15) throw badUrl(url, `database must be 0-15, got ${db}`);
  return {
    host,
    port,
    db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === "rediss:",
    display: `${u.protocol}//${
      u.username ? `${u.username}${u.password ? ":***" : ""}@` : ""
    }${u.host}${path ? `/${path}` : ""}`,
  };
}

/**
 * ioredis options for BullMQ: reconnects forever (a restarted redis is
 * picked up again) and never gives up a blocking command (BullMQ's
 * requirement: `maxRetriesPerRequest: null`).
 */
export function connectionOptions(t: RedisTarget): RedisOptions {
  return {
    host: t.host,
    port: t.port,
    db: t.db,
    username: t.username,
    password: t.password,
    ...(t.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
  };
}

/** Connects once and PINGs; a usage error naming the URL (no password) when that fails. */
export async function checkRedis(t: RedisTarget, timeoutMs = 3000): Promise<void> {
  const r = new Redis({
    ...connectionOptions(t),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  let last: unknown;
  r.on("error", (e) => last = e);
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    const why = errorMessage(last ?? e).split("\n")[0];
    throw new LensError(`cannot reach redis at ${t.display}: ${why}`, {
      code: "usage",
      field: "--queue",
      expected: "a running redis (redis-server) at that address",
    });
  } finally {
    r.disconnect();
  }
}
