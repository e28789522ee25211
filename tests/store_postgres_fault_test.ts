/**
 * A PostgreSQL store across a server restart: the session breaks, the next
 * call reconnects (with backoff) and goes on, the writer's lock is taken
 * again so the run still reads as running; while the server is down a call
 * fails with a store error naming the URL, after its retries.
 */
import assert from "node:assert/strict";
import { LensError } from "../core/errors.ts";
import { openPostgresStore } from "../core/store/postgres.ts";
import { openStoreAt } from "../core/store_open.ts";
import { postgresAvailable, withPostgres } from "./services.ts";

const REC = { plugin: "p", layer: "l", epoch: 0, seed: 0, index: 0, metric: "m", value: 1 };

Deno.test({
  name: "postgres store: reconnects after a server restart; a down server is a store error",
  ignore: !postgresAvailable(),
  fn: () =>
    withPostgres(async (pg) => {
      const s = openPostgresStore(pg.url, { attempts: 3 });
      try {
        const id = s.createRun({
          name: "fault",
          config: {},
          seeds: [0],
          backend: "wasm",
          engine: "fused",
          versions: {},
        });
        s.appendResults(id, [REC]);
        await pg.down();
        assert.throws(
          () => s.appendResults(id, [{ ...REC, epoch: 1 }]),
          (e) =>
            e instanceof LensError && e.code === "store" &&
            /cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/lens/.test(
              e.message,
            ),
        );
        await pg.up();
        s.appendResults(id, [{ ...REC, epoch: 2 }]);
        assert.deepEqual(
          s.queryResults(id).map((r) => r.epoch),
          [0, 2],
          "the failed batch left nothing",
        );
        const reader = openStoreAt(pg.url, { readOnly: true });
        try {
          assert.equal(reader.getRun(id)!.status, "running", "the writer lock was taken again");
        } finally {
          reader.close();
        }
        s.finishRun(id, "completed", {});
        assert.equal(s.getRun(id)!.status, "completed");
      } finally {
        s.close();
      }
    }),
});
