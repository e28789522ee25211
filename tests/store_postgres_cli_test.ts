/**
 * The commands on a PostgreSQL store, end to end: `lens run` of a small
 * config with `--db postgres://...`, then `lens show`, `lens runs` and
 * `lens export` read it back, with the same numbers (to 1e-6) as the same
 * config and seeds run into a SQLite file. A malformed or unreachable URL
 * is exit 2 on one line that never shows the password.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { ResultRecord } from "../core/types.ts";
import { lens, withDir } from "./cli_helpers.ts";
import { postgresAvailable, withPostgres } from "./services.ts";

const CONFIG = "name: tiny\ntraining: { epochs: 6 }\nseeds: 2\n" +
  "plugins: [mi-binned, grad-snr]\n";

type Row = ResultRecord & { run: string };

function sorted(rows: Row[]): Row[] {
  const key = (r: Row) => `${r.plugin}|${r.layer}|${r.metric}|${r.seed}|${r.epoch}|${r.index}`;
  return [...rows].sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

Deno.test({
  name: "lens run / show / runs / export / import on postgres:// give the SQLite run's numbers",
  ignore: !postgresAvailable(),
  fn: () =>
    withPostgres((pg) =>
      withDir(async (dir) => {
        await Deno.writeTextFile(join(dir, "tiny.yaml"), CONFIG);
        // trust authentication ignores the password: it is there to be kept out of every output
        const withPassword = pg.url.replace("postgres@", "postgres:hunter2@");
        const onPg = await lens(
          ["run", "tiny.yaml", "--db", withPassword, "--run-id", "pg-1", "--quiet"],
          dir,
        );
        assert.equal(onPg.code, 0, onPg.stderr);
        assert.match(onPg.stdout, /^run pg-1 completed/m);
        assert.ok(
          onPg.stdout.includes(`stored in ${pg.url.replace("postgres@", "postgres:***@")}`),
        );
        assert.ok(!(onPg.stdout + onPg.stderr).includes("hunter2"));
        const onFile = await lens([
          "run",
          "tiny.yaml",
          "--db",
          "runs.db",
          "--run-id",
          "file-1",
          "--quiet",
        ], dir);
        assert.equal(onFile.code, 0, onFile.stderr);

        const show = await lens(["show", "pg-1", "--db", pg.url], dir);
        assert.equal(show.code, 0, show.stderr);
        assert.match(show.stdout, /status\s+completed/);
        assert.match(show.stdout, /seeds\s+0, 1/);
        assert.ok(!show.stdout.includes("hunter2"), "the run row holds no password");
        const runs = await lens(["runs", "--db", pg.url], dir);
        assert.equal(runs.code, 0, runs.stderr);
        assert.match(runs.stdout, /pg-1\s+tiny\s+completed/);

        const pgJson = await lens(["export", "pg-1", "--format", "json", "--db", pg.url], dir);
        const fileJson = await lens(
          ["export", "file-1", "--format", "json", "--db", "runs.db"],
          dir,
        );
        assert.equal(pgJson.code, 0, pgJson.stderr);
        assert.equal(fileJson.code, 0, fileJson.stderr);
        const a = sorted(JSON.parse(pgJson.stdout) as Row[]);
        const b = sorted(JSON.parse(fileJson.stdout) as Row[]);
        assert.ok(a.length >= 2 * 6 * 2, `${a.length} records`);
        assert.equal(a.length, b.length);
        for (let i = 0; i < a.length; i++) {
          const { run: ra, value: va, ...restA } = a[i];
          const { run: rb, value: vb, ...restB } = b[i];
          assert.equal(ra, "pg-1");
          assert.equal(rb, "file-1");
          assert.deepEqual(restA, restB);
          assert.ok(Math.abs(va - vb) <= 1e-6, `${JSON.stringify(restA)}: ${va} vs ${vb}`);
        }

        // the offline SQLite run moves into PostgreSQL, id kept, once
        const imp = await lens(["import", "--from", "runs.db", "--db", pg.url], dir);
        assert.equal(imp.code, 0, imp.stderr);
        assert.match(imp.stdout, /^imported 1 run\(s\) .*: file-1$/m);
        const again = await lens(["import", "--from", "runs.db", "--db", pg.url], dir);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /^imported 0 run\(s\)/m);
        assert.match(again.stdout, /already there \(skipped\): file-1/);
        const moved = await lens(["export", "file-1", "--format", "json", "--db", pg.url], dir);
        assert.equal(moved.code, 0, moved.stderr);
        assert.deepEqual(JSON.parse(moved.stdout), JSON.parse(fileJson.stdout));
      })
    ),
});

Deno.test("a malformed or unreachable postgres:// URL: exit 2, one line, no password", async () => {
  await withDir(async (dir) => {
    const bad = await lens(["runs", "--db", "postgres://lab:s3cret@[oops/runs"], dir);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    assert.match(bad.stderr, /not a usable PostgreSQL URL/);
    assert.ok(!bad.stderr.includes("s3cret"));
    // port 1 on loopback refuses at once; the store retries with backoff, then names the URL
    const down = await lens(["show", "x", "--db", "postgres://lab:s3cret@127.0.0.1:1/runs"], dir);
    assert.equal(down.code, 2);
    assert.equal(down.stderr.trim().split("\n").length, 1, down.stderr);
    assert.match(
      down.stderr,
      /cannot reach PostgreSQL at postgres:\/\/lab:\*\*\*@127\.0\.0\.1:1\/runs/,
    );
    assert.match(down.stderr, /6 attempts/);
    assert.ok(!down.stderr.includes("s3cret"));
  });
});

Deno.test({
  name: "two lens run processes write one fresh PostgreSQL store at once",
  ignore: !postgresAvailable(),
  fn: () =>
    withPostgres((pg) =>
      withDir(async (dir) => {
        await Deno.writeTextFile(join(dir, "tiny.yaml"), CONFIG);
        // both find no tables and create them: the schema lock makes one wait for the other
        const [a, b] = await Promise.all(
          ["w-a", "w-b"].map((id) =>
            lens(["run", "tiny.yaml", "--db", pg.url, "--run-id", id, "--quiet"], dir)
          ),
        );
        assert.equal(a.code, 0, a.stderr);
        assert.equal(b.code, 0, b.stderr);
        const ja = await lens(["export", "w-a", "--format", "json", "--db", pg.url], dir);
        const jb = await lens(["export", "w-b", "--format", "json", "--db", pg.url], dir);
        const ra = JSON.parse(ja.stdout) as Row[];
        const rb = JSON.parse(jb.stdout) as Row[];
        assert.ok(ra.length > 0);
        assert.ok(ra.every((r) => r.run === "w-a") && rb.every((r) => r.run === "w-b"));
        // same config and seeds: the same records, none mixed in or lost
        assert.deepEqual(
          sorted(ra).map(({ run: _r, ...x }) => x),
          sorted(rb).map(({ run: _r, ...x }) => x),
        );
      })
    ),
});
