/**
 * The live event stream on a PostgreSQL store follows a run through
 * LISTEN/NOTIFY: the app polls only once a minute here, so the records and
 * epochs written by another session (its own connection, as another
 * machine's writer would be) can only arrive through notifications.
 */
import assert from "node:assert/strict";
import { createRegistry } from "../core/registry.ts";
import { openStoreAt } from "../core/store_open.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { createApp } from "../server/app.ts";
import { postgresAvailable, withPostgres } from "./services.ts";

/** Reads server-sent events from a response body, one at a time (comments skipped). */
function sseReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  return {
    async next(): Promise<{ event: string; data: Record<string, unknown> } | null> {
      for (;;) {
        const cut = buf.indexOf("\n\n");
        if (cut >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          if (block.startsWith(":")) continue;
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          return { event, data: JSON.parse(data.join("\n")) };
        }
        const r = await reader.read();
        if (r.done) return null;
        buf += r.value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

Deno.test({
  name: "events of a run on PostgreSQL arrive by LISTEN/NOTIFY, not by polling",
  ignore: !postgresAvailable(),
  fn: () =>
    withPostgres(async (pg) => {
      const writer = openStoreAt(pg.url);
      const reader = openStoreAt(pg.url);
      const abort = new AbortController();
      const guard = setTimeout(() => abort.abort(), 30_000); // a broken stream fails, not hangs
      try {
        const id = writer.createRun({
          id: "live-1",
          name: "live",
          config: {},
          seeds: [0],
          backend: "wasm",
          engine: "fused",
          versions: {},
        });
        writer.recordEpoch(id, { seed: 0, epoch: 0, loss: 0.7, accuracy: 0.5 } as never);
        const app = createApp(
          {
            store: reader,
            registry: createRegistry(builtinPlugins()),
            dbPath: pg.url,
            pollMs: 60_000,
            signal: abort.signal,
          } as Parameters<typeof createApp>[0],
        );
        const res = await app.request(`/api/runs/${id}/events`);
        assert.equal(res.status, 200);
        const sse = sseReader(res);
        try {
          assert.equal((await sse.next())?.event, "epochs");
          const status = await sse.next();
          assert.equal(status?.event, "status");
          assert.equal(status!.data.status, "running");

          writer.appendResults(id, [
            {
              plugin: "mi-binned",
              layer: "d1",
              epoch: 1,
              seed: 0,
              index: 0,
              metric: "ixt",
              value: 3,
            },
            {
              plugin: "mi-binned",
              layer: "d1",
              epoch: 1,
              seed: 0,
              index: 0,
              metric: "ity",
              value: 0.5,
            },
          ]);
          writer.recordEpoch(id, { seed: 0, epoch: 1, loss: 0.6, accuracy: 0.6 } as never);
          const seen = new Map<string, Record<string, unknown>>();
          while (!seen.has("results") || !seen.has("epochs")) {
            const ev = await sse.next();
            assert.ok(ev, "stream ended early");
            seen.set(ev.event, ev.data);
          }
          assert.equal(seen.get("results")!.count, 2);
          assert.deepEqual((seen.get("epochs")!.rows as number[][]).map((r) => r[2]), [1]);

          writer.finishRun(id, "completed", { total_s: 1 });
          let last: { event: string; data: Record<string, unknown> } | null = null;
          for (let ev = await sse.next(); ev; ev = await sse.next()) last = ev;
          assert.equal(last?.event, "status");
          assert.equal(last!.data.status, "completed");
          assert.equal(last!.data.final, true);
          assert.ok(!abort.signal.aborted, "followed by notifications, not the 60 s poll");
        } finally {
          await sse.cancel().catch(() => {});
        }
      } finally {
        clearTimeout(guard);
        abort.abort();
        reader.close();
        writer.close();
      }
    }),
});
