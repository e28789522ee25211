// The pure parts of distributed sweeps: job plans and ids, reading job
// data off the queue (hostile input), redis URLs, data file hashes.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { LensError } from "../core/errors.ts";
import { dataFileMismatches, dataFiles, localDataPath } from "../core/queue/data_files.ts";
import { planSweepJobs, readJobData, type VariantInput } from "../core/queue/jobs.ts";
import { parseRedisUrl, redact } from "../core/queue/redis_url.ts";

const variant = (name: string, configText = "a: 1\n", pluginIds = ["mi-binned"]): VariantInput => ({
  name,
  configText,
  seeds: [0, 1, 2],
  epochs: 10,
  pluginIds,
  dataFiles: [],
});

Deno.test("planSweepJobs: ids derive from the sweep's content, variant and seed", () => {
  const a = planSweepJobs("s", [variant("v1"), variant("v2")], []);
  const b = planSweepJobs("s", [variant("v1"), variant("v2")], []);
  assert.deepEqual(a, b);
  const key = a[0].runId.split(".")[0];
  assert.match(key, /^s-[0-9a-f]{10}$/);
  assert.deepEqual(a[0].seedJobs.map((j) => j.id), [0, 1, 2].map((s) => `${key}.v1.s${s}`));
  assert.equal(a[1].finalId, `${a[1].runId}.final`);
  assert.deepEqual(a[0].seedJobs.map((j) => j.data.seeds), [[0], [1], [2]]);
  // another config text: another key, so another run; the other variant keeps its ids
  const c = planSweepJobs("s", [variant("v1", "a: 2\n"), variant("v2")], []);
  assert.notEqual(c[0].runId.split(".")[0], key);
  assert.equal(c[1].runId, a[1].runId);
  // a variant's ids do not depend on which others are planned with it (--variants)
  assert.deepEqual(planSweepJobs("s", [variant("v2")], []), [a[1]]);
  // a plugin that compares seeds: one job for all of them
  const d = planSweepJobs("s", [variant("v1", "a: 1\n", ["reliability"])], []);
  assert.deepEqual(d[0].seedJobs.map((j) => [j.id.split(".").pop(), j.data.seeds]), [[
    "all",
    [0, 1, 2],
  ]]);
});

Deno.test("readJobData: checks shapes, sizes and plugin hashes", () => {
  const [v] = planSweepJobs("s", [variant("v1")], [{
    name: "p.ts",
    text: "export default [];\n",
    sha256: createHash("sha256").update("export default [];\n").digest("hex"),
  }]);
  const seed = v.seedJobs[0].data;
  assert.deepEqual(readJobData(structuredClone(seed)), seed);
  assert.deepEqual(readJobData(structuredClone(v.final)), v.final);
  const bad = (patch: Record<string, unknown>, why: RegExp) =>
    assert.throws(() => readJobData({ ...structuredClone(seed), ...patch }), (e) => {
      assert.ok(e instanceof LensError);
      assert.match(e.message, why);
      return true;
    });
  bad({ kind: "other" }, /malformed job: kind "other"/);
  bad({ seeds: [-1] }, /malformed job: seeds/);
  bad({ seeds: [] }, /malformed job: seeds/);
  bad({ plugins: [{ ...seed.plugins[0], text: "evil()" }] }, /p\.ts does not match its hash/);
  bad({ plugins: [{ ...seed.plugins[0], name: "../x.ts" }] }, /plugin name/);
  bad({ configText: "x".repeat((1 << 20) + 1) }, /configText/);
  bad({ runId: "a b" }, /run id/);
});

Deno.test("parseRedisUrl: host, port, db; the password never shown", () => {
  const t = parseRedisUrl("redis://u:s3cret@10.0.0.5:6380/3");
  assert.deepEqual(
    [t.host, t.port, t.db, t.username, t.password, t.tls],
    ["10.0.0.5", 6380, 3, "u", "s3cret", false],
  );
  assert.equal(t.display, "redis://u:***@10.0.0.5:6380/3");
  assert.equal(parseRedisUrl("rediss://h").port, 6379);
  assert.equal(parseRedisUrl("rediss://h").tls, true);
  assert.equal(redact("redis://u:pw@h:1"), "redis://u:***@h:1");
  for (
    const [url, why] of [["http://h:1", /scheme/], ["redis://h:1/99", /0-15/], [
      "nope",
      /not a URL/,
    ]]
  ) {
    assert.throws(() => parseRedisUrl(url as string), why as RegExp);
  }
  assert.throws(() => parseRedisUrl("ftp://u:pw@h"), (e) => !String(e).includes("pw"));
});

Deno.test("data files: the 12-bit labels by install path, hashed; a changed copy is named", async () => {
  const [labels] = dataFiles({ name: "tishby12", split: "reference", trainFraction: 0.8 });
  assert.equal(labels, "layerlens:data/var_u_labels.hex");
  const bytes = readFileSync(localDataPath(labels));
  const sha = createHash("sha256").update(bytes).digest("hex");
  assert.deepEqual(dataFileMismatches([{ path: labels, sha256: sha }]), []);
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/x.csv`;
    await Deno.writeTextFile(f, "1,0\n");
    const m = dataFileMismatches([{ path: f, sha256: sha }, {
      path: `${dir}/gone.csv`,
      sha256: sha,
    }]);
    assert.equal(m.length, 2);
    assert.match(m[0], /x\.csv differs on this worker \(sha256 [0-9a-f]{12}\.\.\. here/);
    assert.match(m[1], /gone\.csv is missing on this worker/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
