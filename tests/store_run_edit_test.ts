/**
 * Renaming, tagging and deleting runs in the SQLite store: a rename shows
 * in getRun, tags replace each other and come back sorted, deleting a run
 * removes its records, epochs, errors and tags and leaves other runs whole,
 * and a database never tagged has no tags table.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { openStore } from "../core/store.ts";

Deno.test("store: rename, tags, delete one run of two", async () => {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-store-edit-" });
  const path = join(dir, "runs.db");
  const store = openStore(path);
  try {
    const init = { config: {}, seeds: [0], backend: "js", engine: "fused", versions: {} };
    const a = store.createRun({ ...init, id: "a", name: "first" });
    const b = store.createRun({ ...init, id: "b", name: "second" });
    for (const id of [a, b]) {
      store.appendResults(id, [
        { plugin: "p", layer: "l", epoch: 0, seed: 0, index: 0, metric: "m", value: 1 },
        { plugin: "p", layer: "l", epoch: 1, seed: 0, index: 0, metric: "m", value: 2 },
      ]);
      store.recordEpoch(id, { seed: 0, epoch: 0, sampled: true, loss: 1, accuracy: 0.5 });
      store.recordPluginError(id, "p", "boom");
    }
    assert.deepEqual(store.runTags!(a), []);
    const tables = () =>
      (new DatabaseSync(path, { readOnly: true }).prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'run_tags'",
      ).all() as { name: string }[]).length;
    assert.equal(tables(), 0);

    store.renameRun!(a, "renamed");
    assert.equal(store.getRun(a)!.name, "renamed");
    store.setRunTags!(a, ["sweep-1", "baseline", "baseline"]);
    store.setRunTags!(b, ["other"]);
    assert.deepEqual(store.runTags!(a), ["baseline", "sweep-1"]);
    store.setRunTags!(a, ["final"]);
    assert.deepEqual(store.runTags!(a), ["final"]);
    assert.equal(tables(), 1);

    store.deleteRun!(a);
    assert.equal(store.getRun(a), undefined);
    assert.deepEqual(store.queryResults(a), []);
    assert.deepEqual(store.epochsSince(a, 0), []);
    assert.deepEqual(store.runTags!(a), []);
    assert.equal(store.queryResults(b).length, 2);
    assert.equal(store.getRun(b)!.pluginErrors.length, 1);
    assert.deepEqual(store.runTags!(b), ["other"]);
    assert.throws(() => store.deleteRun!(a), /no run "a"/);
    assert.throws(() => store.renameRun!("nope", "x"), /no run "nope"/);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
