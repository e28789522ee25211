/**
 * Private PostgreSQL and Redis instances for tests: each starts on a free
 * loopback port in its own temporary directory, and `stop()` shuts it down
 * and removes the directory. `withPostgres` / `withRedis` wrap a test body so
 * the instance is torn down also when the body throws.
 *
 * PostgreSQL 15 comes from `/usr/lib/postgresql/15/bin` (Debian's
 * `postgresql` package; `PG_BIN` overrides the folder); run as root, its
 * tools run as the `postgres` user through `runuser`. Authentication is
 * `trust` for the role `postgres`. Redis is `redis-server` on the PATH, with
 * persistence off unless asked. `down()` / `up()` stop and restart a server
 * on the same port (fault tests). `tools/ensure_system_deps.sh` installs
 * both when missing.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** A running private service. */
export interface Service {
  /** Connection URL: `postgres://postgres@127.0.0.1:PORT/lens` or `redis://127.0.0.1:PORT`. */
  url: string;
  /** The loopback port it listens on. */
  port: number;
  /** Stops the service and removes its directory; safe to call twice. */
  stop(): Promise<void>;
  /**
   * Stops the server process only (fault tests: the service is down, its
   * port closed); its directory and, for PostgreSQL, its data stay.
   */
  down(): Promise<void>;
  /** Starts it again after {@link down}, on the same port. */
  up(): Promise<void>;
}

/** Folder holding PostgreSQL's initdb / pg_ctl / createdb. */
export const PG_BIN = Deno.env.get("PG_BIN") ?? "/usr/lib/postgresql/15/bin";

/** True when the PostgreSQL binaries are installed (tests use it for `ignore`). */
export function postgresAvailable(): boolean {
  try {
    return Deno.statSync(`${PG_BIN}/pg_ctl`).isFile;
  } catch {
    return false;
  }
}

/** True when `redis-server` is on the PATH. */
export function redisAvailable(): boolean {
  try {
    const out = new Deno.Command("redis-server", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync();
    return out.success;
  } catch {
    return false;
  }
}

/** A port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const isRoot = Deno.uid() === 0;

/** Runs `cmd args` (as the postgres user when we are root); throws with its output on failure. */
async function pgTool(cmd: string, args: string[]): Promise<void> {
  const [exe, argv] = isRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  const out = await new Deno.Command(exe, { args: argv, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    throw new Error(`${cmd} ${args.join(" ")} failed (${out.code}): ${text.slice(-2000)}`);
  }
}

/** Numeric uid/gid of a user, read from /etc/passwd. */
function userIds(name: string): { uid: number; gid: number } {
  for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
    const f = line.split(":");
    if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  throw new Error(`no user ${name} in /etc/passwd (is the postgresql package installed?)`);
}

/**
 * Starts a private PostgreSQL server (initdb in a fresh temporary directory,
 * trust authentication, loopback only) with an empty database `lens`.
 * Tests run it with `fsync=off` (nothing to keep); `durable: true` keeps
 * PostgreSQL's defaults (benchmarks).
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<Service> {
  if (!postgresAvailable()) {
    throw new Error(`PostgreSQL not found in ${PG_BIN} (run tools/ensure_system_deps.sh)`);
  }
  const dir = await Deno.makeTempDir({ prefix: "layerlens-pg-" });
  if (isRoot) {
    const { uid, gid } = userIds("postgres");
    await Deno.chown(dir, uid, gid);
  }
  const data = `${dir}/data`;
  let started = false;
  let stopped = false;
  let port = 0;
  const down = async () => {
    if (!started) return;
    started = false;
    await pgTool(`${PG_BIN}/pg_ctl`, ["stop", "-m", "immediate", "-w", "-D", data]);
  };
  const up = async () => {
    if (started) return;
    await pgTool(`${PG_BIN}/pg_ctl`, [
      "start",
      "-w",
      "-D",
      data,
      "-l",
      `${dir}/log`,
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1` +
      (options.durable ? "" : " -c fsync=off"),
    ]);
    started = true;
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await down();
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  };
  try {
    await pgTool(`${PG_BIN}/initdb`, ["-A", "trust", "-U", "postgres", "-E", "UTF8", "-D", data]);
    for (let attempt = 0;; attempt++) {
      port = freePort();
      try {
        await up();
        break;
      } catch (e) {
        if (attempt >= 2) throw e; // the port may have been taken in between: try another
      }
    }
    await pgTool(`${PG_BIN}/createdb`, [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-U",
      "postgres",
      "lens",
    ]);
    return { url: `postgres://postgres@127.0.0.1:${port}/lens`, port, stop, down, up };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Waits until a Redis server on `port` answers PING (up to `ms`). */
async function waitForRedis(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(new TextEncoder().encode("PING\r\n"));
        const buf = new Uint8Array(64);
        const n = await conn.read(buf);
        if (n && Buffer.from(buf.subarray(0, n)).toString().startsWith("+PONG")) return;
      } finally {
        conn.close();
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      throw new Error(`redis-server on port ${port} did not answer within ${ms} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts a private `redis-server` on a free loopback port. Persistence is
 * off, unless `options.persist` (an append-only file fsynced at every
 * write), so that a restart ({@link Service.down} then `up`) keeps the data.
 */
export async function startRedis(options: { persist?: boolean } = {}): Promise<Service> {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-redis-" });
  let port = 0;
  let child: Deno.ChildProcess | undefined;
  const spawn = () =>
    new Deno.Command("redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        options.persist ? "yes" : "no",
        ...(options.persist ? ["--appendfsync", "always"] : []),
        "--dir",
        dir,
        "--logfile",
        `${dir}/log`,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  const down = async () => {
    const c = child;
    child = undefined;
    if (!c) return;
    try {
      c.kill("SIGKILL");
    } catch {
      // already exited
    }
    await c.status;
  };
  const up = async () => {
    if (child) return;
    const c = spawn();
    child = c;
    try {
      await Promise.race([
        waitForRedis(port, 10_000),
        c.status.then((s) => {
          throw new Error(`redis-server exited with ${s.code}`);
        }),
      ]);
    } catch (e) {
      await down();
      throw e;
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await down();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  for (let attempt = 0;; attempt++) {
    port = freePort();
    try {
      await up();
      return { url: `redis://127.0.0.1:${port}`, port, stop, down, up };
    } catch (e) {
      if (attempt >= 2) {
        await stop();
        throw e; // the port may have been taken in between: tried another twice
      }
    }
  }
}

/** Runs `body` with a private PostgreSQL; stops it afterwards, also when `body` throws. */
export async function withPostgres<T>(body: (pg: Service) => Promise<T>): Promise<T> {
  const pg = await startPostgres();
  try {
    return await body(pg);
  } finally {
    await pg.stop();
  }
}

/** Runs `body` with a private Redis; stops it afterwards, also when `body` throws. */
export async function withRedis<T>(body: (redis: Service) => Promise<T>): Promise<T> {
  const redis = await startRedis();
  try {
    return await body(redis);
  } finally {
    await redis.stop();
  }
}
