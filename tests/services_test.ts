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
