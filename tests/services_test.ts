/**
 * The private service helpers: PostgreSQL answers a query, Redis answers
 * PING, and both are gone (port closed, directory removed) after stop().
 */
import assert from "node:assert/strict";
import {
  PG_BIN,
  postgresAvailable,
  redisAvailable,
  startPostgres,
  startRedis,
  withPostgres,
  withRedis,
} from "./services.ts";

async function portOpen(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "startPostgres: a private server with database lens, gone after stop",
  ignore: !postgresAvailable(),
  async fn() {
    const pg = await startPostgres();
    try {
      const out = await new Deno.Command(`${PG_BIN}/psql`, {
        args: [pg.url, "-At", "-c", "select 6*7"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(new TextDecoder().decode(out.stdout).trim(), "42");
    } finally {
      await pg.stop();
    }
    assert(!(await portOpen(pg.port)), "postgres still listening after stop");
  },
});

Deno.test({
  name: "startRedis: answers PING, gone after stop",
  ignore: !redisAvailable(),
  async fn() {
    const r = await startRedis();
    try {
      assert(r.url.startsWith("redis://127.0.0.1:"));
      assert(await portOpen(r.port));
    } finally {
      await r.stop();
    }
    assert(!(await portOpen(r.port)), "redis still listening after stop");
  },
});

Deno.test({
  name: "withRedis / withPostgres stop the service when the body throws",
  ignore: !redisAvailable() || !postgresAvailable(),
  async fn() {
    let redisPort = 0;
    await assert.rejects(
      withRedis((r) => {
        redisPort = r.port;
        throw new Error("test body failed");
      }),
      /test body failed/,
    );
    assert.ok(redisPort > 0 && !(await portOpen(redisPort)), "redis left running");
    let pgPort = 0;
    await assert.rejects(
      withPostgres((pg) => {
        pgPort = pg.port;
        throw new Error("test body failed");
      }),
      /test body failed/,
    );
    assert.ok(pgPort > 0 && !(await portOpen(pgPort)), "postgres left running");
  },
});

/** Sends one inline Redis command and returns the reply line. */
async function redisCommand(port: number, line: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(`${line}\r\n`));
    const buf = new Uint8Array(256);
    const n = await conn.read(buf);
    return new TextDecoder().decode(buf.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

Deno.test({
  name: "startRedis({ persist }): down() closes the port, up() brings the data back",
  ignore: !redisAvailable(),
  fn: async () => {
    const r = await startRedis({ persist: true });
    try {
      assert.match(await redisCommand(r.port, "SET k 42"), /^\+OK/);
      await r.down();
      assert.ok(!(await portOpen(r.port)));
      await r.up();
      assert.match(await redisCommand(r.port, "GET k"), /^\$2\r\n42/);
    } finally {
      await r.stop();
    }
  },
});
