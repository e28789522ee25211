/**
 * A run database read while another thread creates it: the reader sees no
 * file, an empty one, or the whole stamped schema, never tables without the
 * stamp or some tables of the schema (refused as another program's or as
 * damaged: a dashboard or a second `lens run` opening the file of a run just
 * starting met this), and never a file "cut short" while the writer's
 * closing checkpoint copies its pages in. The writer makes the tables and
 * the stamp in one transaction; the reader reads the stamp and the tables in
 * one, and measures the file against its header only when no log is beside it.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { inspectStoreFile } from "../core/store_file.ts";

/** Removes `dir`, again for a second while a worker stopped by a failure closes its last file. */
async function removeDir(dir: string): Promise<void> {
  for (let i = 0;; i++) {
    try {
      return await Deno.remove(dir, { recursive: true });
    } catch (e) {
      if (i === 20) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

Deno.test("a database read while it is being created is new or ours, never another program's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-race-" });
  const worker = new Worker(new URL("./store_create_race_worker.ts", import.meta.url), {
    type: "module",
  });
  try {
    const N = 150;
    // [databases made, whether the worker failed]
    const state = new Int32Array(new SharedArrayBuffer(8));
    const done = new Promise<{ ok: boolean; error?: string }>((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
    });
    worker.postMessage({ dir, n: N, state });
    let looks = 0;
    const deadline = Date.now() + 60_000;
    for (let i = 0; i < N && !Atomics.load(state, 1); i++) {
      const path = join(dir, `db${i}.db`);
      // look at the file again and again until the worker has finished making it
      while (Atomics.load(state, 0) <= i && !Atomics.load(state, 1)) {
        assert.ok(Date.now() < deadline, `the worker made ${i} of ${N} databases in 60 s`);
        if (!existsSync(path)) continue;
        looks++;
        inspectStoreFile(path); // throws on a file it refuses
      }
      if (!Atomics.load(state, 1)) assert.equal(inspectStoreFile(path).kind, "layerlens");
    }
    const result = await done;
    assert.ok(result.ok, result.error);
    // the race was run: the files were looked at while being made
    assert.ok(looks > N, `looked ${looks} times at ${N} files being made`);
  } finally {
    worker.terminate();
    await removeDir(dir);
  }
});
