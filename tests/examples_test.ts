/**
 * The library example (examples/run_script.ts) runs as the README says and
 * prints the information plane it read back from the store: one line per
 * 50th sampled epoch of the last hidden layer, each value within the
 * estimator's bounds (0 <= I(T;Y) <= H(Y) = 0.99916 <= ..., I(X;T) <=
 * log2 4096 = 12 bits), and the database it names holds the run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openStore } from "../core/store.ts";

const SCRIPT = fileURLToPath(new URL("../examples/run_script.ts", import.meta.url));

Deno.test("examples/run_script.ts trains, stores, and reads the information plane back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-example-" });
  try {
    const db = join(dir, "runs.db");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SCRIPT, db],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const runId = text.match(/^run (\S+) completed/m)?.[1];
    assert.ok(runId, text);
    const rows = text.split("\n").filter((l) => /^\s+\d+\s+\d/.test(l)).map((l) =>
      l.trim().split(/\s+/).map(Number)
    );
    assert.deepEqual(rows.map((r) => r[0]), [0, 50, 100, 150, 200, 299]);
    for (const [, ixt, ity] of rows) {
      assert.ok(ixt >= 0 && ixt <= 12, `I(X;T) = ${ixt}`);
      assert.ok(ity >= 0 && ity <= 0.99916 + 1e-3 && ity <= ixt, `I(T;Y) = ${ity}`);
    }
    const store = openStore(db);
    try {
      assert.equal(store.getRun(runId)?.status, "completed");
      const last = store.queryResults(runId, {
        plugin: "mi-binned",
        layer: "dense_5",
        metric: "ixt_mean",
        epochMin: 299,
      });
      assert.equal(last.length, 1);
      assert.equal(last[0].value.toFixed(3), rows[rows.length - 1][1].toFixed(3));
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
