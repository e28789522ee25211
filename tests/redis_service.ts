/**
 * A private redis for tests: `redis-server` on a random free loopback port
 * with persistence off (`--save "" --appendonly no`) in a temporary
 * directory, stopped by {@link RedisService.stop} (call it in a `finally`).
 *
 * @module
 */

/** A running private redis. */
export interface RedisService {
  /** Its port on 127.0.0.1. */
  port: number;
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
  stop(): Promise<void>;
  /**
   * Stops it (SIGTERM: a persisting one writes its data) and starts it
   * again on the same port; without `persist` the new one is empty.
   */
  restart(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the kernel's pick). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Resolves once something accepts TCP connections on `port` (throws after `timeoutMs`). */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`redis did not start on port ${port}: ${e}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Starts a private redis-server; throws a clear error when the binary is
 * missing. With `persist`, it keeps an append-only file in its directory,
 * so that {@link RedisService.restart} brings the same data back (a
 * restart test); otherwise nothing is written to disk.
 */
export async function startRedis(opts: { persist?: boolean } = {}): Promise<RedisService> {
  const dir = await Deno.makeTempDir({ prefix: "lens-redis-" });
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  const spawn = async () => {
    try {
      child = new Deno.Command("redis-server", {
        args: [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          opts.persist ? "yes" : "no",
          "--dir",
          dir,
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch (e) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw new Error(
        `cannot start redis-server (${e}); install it (apt-get install redis-server, ` +
          "or run tools/ensure_system_deps.sh)",
      );
    }
    await waitForPort(port, 10_000);
  };
  const kill = async () => {
    const c = child;
    if (!c) return;
    child = undefined;
    try {
      c.kill("SIGTERM");
    } catch { /* already gone */ }
    const timer = setTimeout(() => {
      try {
        c.kill("SIGKILL");
      } catch { /* already gone */ }
    }, 5000);
    await c.status;
    clearTimeout(timer);
  };
  await spawn();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    async restart() {
      await kill();
      await spawn();
    },
  };
}
