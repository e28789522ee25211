/**
 * PostgreSQL connection URLs as `--db` takes them
 * (`postgres://user[:password]@host[:port]/database`): recognised, checked,
 * and shown without their password. A password never appears in an error
 * message, a run row or the store's `path`.
 *
 * @module
 */
import { LensError } from "../errors.ts";

/** Whether `target` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** `url` with any password replaced by `***` (works on text that does not parse, too). */
export function redactUrl(url: string): string {
  const m = /^([a-z]+:\/\/)([^/?#]*@)?(.*)$/i.exec(url);
  if (!m || !m[2]) return url;
  const user = m[2].slice(0, -1);
  const colon = user.indexOf(":");
  return `${m[1]}${colon < 0 ? user : `${user.slice(0, colon)}:***`}@${m[3]}`;
}

/**
 * Checks a `postgres://` URL without connecting: it parses, names a host
 * and, when given, a port 1-65535 and one database. Throws a `usage`
 * {@link LensError} (exit 2) naming the URL without its password.
 */
export function checkPostgresUrl(url: string): void {
  const bad = (why: string) =>
    new LensError(`--db ${redactUrl(url)} is not a usable PostgreSQL URL: ${why}`, {
      code: "usage",
      field: "--db",
      expected: "postgres://user[:password]@host[:port]/database",
    });
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad("it does not parse as a URL");
  }
  if (!u.hostname) throw bad("no host");
  if (u.port !== "") {
    const p = Number(u.port);
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw bad(`port ${u.port} is out of range`);
  }
  const path = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (path.includes("/")) throw bad(`"${path}" is not one database name`);
}
