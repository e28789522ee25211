/**
 * The server as a hostile page or a careless client would meet it, through
 * app.request(): Host checked on every route (DNS rebinding), state changes
 * only with the page's token from the page's own origin and a JSON / YAML
 * body, files only under the data directory (one answer for missing and
 * outside), file contents kept out of run errors, the budget, the queue
 * and the stop action, the streamed body cap, a dead writer shown as
 * interrupted (its event stream ends), paged results, security headers.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import type { ResultRecord, Store } from "../core/types.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { type AppOptions, createApp } from "../server/app.ts";
import type { RunHandle } from "../server/context.ts";
import { CSP } from "../server/security_headers.ts";

const TOKEN = "t0ken-of-the-page";
const LOOPBACK = { remoteAddr: { hostname: "127.0.0.1", port: 50000, transport: "tcp" } };
const PAGE = { "Content-Type": "application/yaml", "X-Lens-Token": TOKEN };
const CONFIG = `name: posted
data: {name: tishby12}
model: {type: mlp, hidden: [4, 3], activation: tanh}
training: {epochs: 3}
seeds: [0]
plugins: [mi-binned]
`;

interface Fake {
  id: string;
  yaml: string;
  stopped: boolean;
  end(): void;
}

interface Fixture {
  dir: string;
  dbPath: string;
  store: Store;
  app: ReturnType<typeof createApp>;
  spawned: Fake[];
}

/** An app over a fresh store whose spawner records runs and lets the test end them. */
async function fixture(opts: Partial<AppOptions> = {}): Promise<Fixture> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "layerlens-hard-" }));
  const dbPath = join(dir, "runs.db");
  const store = openStore(dbPath);
  const spawned: Fake[] = [];
  const app = createApp({
    store,
    registry: createRegistry(builtinPlugins()),
    dbPath,
    sessionToken: TOKEN,
    pollMs: 20,
    spawnRun: (yaml, id) => {
      const done = Promise.withResolvers<void>();
      const fake: Fake = { id, yaml, stopped: false, end: () => done.resolve() };
      spawned.push(fake);
      const handle: RunHandle = {
        done: done.promise,
        stop: () => {
          fake.stopped = true;
        },
      };
      return Promise.resolve(handle);
    },
    ...opts,
  });
  return { dir, dbPath, store, app, spawned };
}

/** Runs `fn` with a fixture made with `opts`, cleaned up afterwards. */
async function withFixture(opts: Partial<AppOptions>, fn: (f: Fixture) => Promise<void>) {
  const f = await fixture(opts);
  try {
    await fn(f);
  } finally {
    await cleanup(f);
  }
}

/** Creates a run with nothing but an id and a config (name = id, seed 0). */
function bareRun(store: Store, id: string, config: Record<string, unknown> = {}): string {
  return store.createRun({
    id,
    name: id,
    config,
    seeds: [0],
    backend: "",
    engine: "",
    versions: {},
  });
}

async function cleanup(f: Fixture) {
  f.store.close();
  await Deno.remove(f.dir, { recursive: true });
}

function post(
  f: Fixture,
  body: BodyInit | null,
  headers: Record<string, string> = PAGE,
  path = "/api/runs",
) {
  return f.app.request(path, { method: "POST", body, headers }, LOOPBACK);
}

async function answer(res: Response, status: number): Promise<Record<string, unknown>> {
  const body = JSON.parse(await res.text());
  assert.equal(res.status, status, JSON.stringify(body));
  return body;
}

Deno.test("state changes: foreign origins, fetch sites, body types and missing tokens are refused", () =>
  withFixture({}, async (f) => {
    const refusals: [Record<string, string>, number, RegExp][] = [
      [{ ...PAGE, Origin: "null" }, 403, /origin null/],
      [{ ...PAGE, Origin: "http://evil.example" }, 403, /cross-site/],
      [{ ...PAGE, Origin: "http://127.0.0.1:9999" }, 403, /cross-site/], // a page on another port
      [{ ...PAGE, "Sec-Fetch-Site": "cross-site" }, 403, /Sec-Fetch-Site/],
      [{ ...PAGE, "Sec-Fetch-Site": "same-site" }, 403, /Sec-Fetch-Site/],
      [{ ...PAGE, "Content-Type": "text/plain" }, 415, /text\/plain/],
      [{ ...PAGE, "Content-Type": "application/x-www-form-urlencoded" }, 415, /form/],
      [{ ...PAGE, "Content-Type": "multipart/form-data; boundary=x" }, 415, /multipart/],
      [{ "X-Lens-Token": TOKEN }, 415, /text\/plain/], // a string body without a type
      [{ "Content-Type": "application/yaml" }, 401, /missing X-Lens-Token/],
      [{ ...PAGE, "X-Lens-Token": "guess" }, 401, /invalid X-Lens-Token/],
    ];
    for (const [headers, status, message] of refusals) {
      const body = await answer(await post(f, CONFIG, headers), status);
      assert.match(String(body.error), message, JSON.stringify(headers));
    }
    assert.equal(f.spawned.length, 0, "no refused request started a run");
    assert.equal(f.store.listRuns().length, 0);
    // the page itself: same origin, its token, a YAML or JSON body
    const own = { ...PAGE, Origin: "http://localhost", "Sec-Fetch-Site": "same-origin" };
    await answer(await post(f, CONFIG, own), 202);
    await answer(
      await post(f, JSON.stringify({ data: { name: "tishby12" }, training: { epochs: 2 } }), {
        ...PAGE,
        "Content-Type": "application/json; charset=utf-8",
      }),
      202,
    );
    assert.equal(f.spawned.length, 2);
    // the stop action under the same rules
    const stop = `/api/runs/${f.spawned[0].id}/stop`;
    await answer(await post(f, null, { ...PAGE, Origin: "null" }, stop), 403);
    await answer(await post(f, null, { ...PAGE, "Sec-Fetch-Site": "cross-site" }, stop), 403);
    await answer(await post(f, "a=b", { ...PAGE, "Content-Type": "text/plain" }, stop), 415);
    await answer(await post(f, null, {}, stop), 401);
    assert.equal(f.spawned[0].stopped, false);
    await answer(await post(f, "{}", { ...PAGE, "Content-Type": "application/json" }, stop), 202);
    assert.equal(f.spawned[0].stopped, true);
  }));

Deno.test("Host is checked on every route: loopback names with the port, or allowed names", async () => {
  const f = await fixture({ port: () => 8787, allowHosts: ["lens.lan"] });
  try {
    const get = (path: string, host: string) => f.app.request(path, { headers: { Host: host } });
    for (const path of ["/", "/api/runs", "/api/plugins", "/static/app.js", "/api/runs/x/export"]) {
      for (const host of ["evil.example:8787", "localhost:9999", "127.0.0.1", "127.0.0.2:8787"]) {
        const res = await get(path, host);
        assert.equal(res.status, 403, `${path} with Host ${host}`);
        assert.match(String((await res.json()).error), /is not this server/);
      }
    }
    for (
      const host of ["127.0.0.1:8787", "localhost:8787", "LOCALHOST:8787", "[::1]:8787", "lens.lan"]
    ) {
      const res = await get("/api/runs", host);
      assert.equal(res.status, 200, host);
      await res.body?.cancel();
    }
    // a state change through a rebinding name is refused before anything else
    const res = await f.app.request("/api/runs", {
      method: "POST",
      body: CONFIG,
      headers: { ...PAGE, Host: "evil.example:8787" },
    }, LOOPBACK);
    assert.equal(res.status, 403);
    assert.equal(f.spawned.length, 0);
  } finally {
    await cleanup(f);
  }
});

Deno.test("security headers on pages, API answers, errors and event streams", () =>
  withFixture({}, async (f) => {
    bareRun(f.store, "r1");
    f.store.finishRun("r1", "completed", {});
    for (
      const path of [
        "/",
        "/static/app.js",
        "/api/runs",
        "/api/runs/nope",
        "/no/route",
        "/api/runs/r1/events",
      ]
    ) {
      const res = await f.app.request(path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("referrer-policy"), "no-referrer", path);
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.equal(csp, CSP, path);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      await res.body?.cancel();
    }
    // the page carries the token in a meta tag, and no inline script
    const html = await (await f.app.request("/")).text();
    assert.ok(html.includes(`<meta name="layerlens-token" content="${TOKEN}">`));
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, "every script has a src");
  }));

Deno.test("files in POSTed configs: only under --data-dir, after links; one answer for missing and outside", async () => {
  const outside = await Deno.realPath(await Deno.makeTempDir({ prefix: "layerlens-outside-" }));
  const secret = join(outside, "secret.csv");
  await Deno.writeTextFile(secret, "a,b\nTOPSECRET,1\n");
  const cfg = (path: string) =>
    `data: {name: file, path: ${
      JSON.stringify(path)
    }}\ntraining: {epochs: 2}\nplugins: [mi-binned]\n`;
  const none = await fixture();
  try {
    const body = await answer(await post(none, cfg(secret)), 403);
    assert.match(String(body.error), /may not name files/);
    assert.equal(none.spawned.length, 0);
  } finally {
    await cleanup(none);
  }
  const data = await Deno.realPath(await Deno.makeTempDir({ prefix: "layerlens-data-" }));
  const f = await fixture({ dataDir: data });
  try {
    await Deno.writeTextFile(join(data, "ok.csv"), "0,0\n1,1\n0,0\n1,1\n");
    await Deno.symlink(secret, join(data, "link.csv"));
    await Deno.symlink(join(outside, "missing.csv"), join(data, "dangling.csv"));
    await Deno.mkdir(join(data, "sub"));
    const refusedMessages = new Set<string>();
    for (
      const p of [
        secret, // exists, outside
        join(outside, "missing.csv"), // missing, outside
        "../" + outside.split("/").pop() + "/secret.csv", // relative escape
        "link.csv", // inside, links outside
        "dangling.csv", // inside, links to a missing file outside
        "nothing.csv", // missing inside
        "sub", // a directory
      ]
    ) {
      const body = await answer(await post(f, cfg(p)), 403);
      assert.equal(body.field, "data.path");
      assert.ok(!String(body.error).includes("TOPSECRET"));
      refusedMessages.add(String(body.error));
    }
    assert.equal(refusedMessages.size, 1, [...refusedMessages].join("\n"));
    assert.equal(f.spawned.length, 0);
    await answer(await post(f, cfg("ok.csv")), 202);
    assert.equal(f.spawned.length, 1);
    const sent = JSON.parse(f.spawned[0].yaml);
    assert.equal(sent.data.path, join(data, "ok.csv"), "the child gets the real path");
  } finally {
    await cleanup(f);
    await Deno.remove(data, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("a POSTed CIFAR-10 folder must lie under --data-dir too", async () => {
  const outside = await Deno.realPath(await Deno.makeTempDir({ prefix: "layerlens-outside-" }));
  const data = await Deno.realPath(await Deno.makeTempDir({ prefix: "layerlens-data-" }));
  await Deno.mkdir(join(data, "cifar"));
  await Deno.writeTextFile(join(data, "plain.bin"), "x");
  await Deno.symlink(outside, join(data, "escape"));
  const cfg = (path: string) =>
    `data: {name: cifar10, path: ${JSON.stringify(path)}, subset: 100}\n` +
    "model: {type: mlp, hidden: [8]}\ntraining: {epochs: 1}\nplugins: [mi-binned]\n";
  const none = await fixture();
  try {
    await answer(await post(none, cfg(outside)), 403);
  } finally {
    await cleanup(none);
  }
  const f = await fixture({ dataDir: data });
  try {
    for (const p of [outside, "escape", "plain.bin", "missing", "../"]) {
      const body = await answer(await post(f, cfg(p)), 403);
      assert.equal(body.field, "data.path", p);
    }
    assert.equal(f.spawned.length, 0);
    await answer(await post(f, cfg("cifar")), 202);
    assert.equal(JSON.parse(f.spawned[0].yaml).data.path, join(data, "cifar"));
  } finally {
    await cleanup(f);
    await Deno.remove(data, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("errors of runs with file data never show quoted file contents", () =>
  withFixture({}, async (f) => {
    const message = 'x.csv: line 2: column 1: "TOPSECRET" is not a number ' +
      "(expected a finite decimal number)";
    const runs: [string, Record<string, unknown>][] = [
      ["file-run", { data: { name: "file", path: "x.csv" } }],
      ["spawned", {}], // a run whose process never wrote its config
    ];
    for (const [id, config] of runs) {
      bareRun(f.store, id, config);
      f.store.finishRun(id, "failed", {}, `run process ended with exit code 2: error: ${message}`);
      f.store.recordPluginError(id, "p", "saw 'TOPSECRET'");
    }
    const list = await (await f.app.request("/api/runs")).text();
    const one = await (await f.app.request("/api/runs/file-run")).text();
    const events = await (await f.app.request("/api/runs/spawned/events")).text();
    for (const text of [list, one, events]) {
      assert.ok(!text.includes("TOPSECRET"), text.slice(0, 300));
      assert.ok(text.includes("is not a number"), "the rest of the message stays");
    }
  }));

Deno.test("budget: seeds and epochs x samples are checked before anything is built", () =>
  withFixture({ limits: { maxSeeds: 5, maxEpochSamples: 4096 * 100 } }, async (f) => {
    let body = await answer(await post(f, CONFIG.replace("seeds: [0]", "seeds: 20000000")), 400);
    assert.equal(body.field, "seeds");
    // refused on the raw document, before parseConfig would build the list
    assert.match(String(body.error), /20000000 seeds is over this server's budget/);
    body = await answer(await post(f, CONFIG.replace("epochs: 3", "epochs: 2000000000")), 400);
    assert.equal(body.field, "training.epochs");
    body = await answer(await post(f, CONFIG.replace("epochs: 3", "epochs: 101")), 400);
    assert.match(String(body.error), /101 epochs x 4096 samples = 413696/);
    body = await answer(
      await post(f, CONFIG.replace("seeds: [0]", "seeds: [0, 1, 2, 3, 4, 5]")),
      400,
    );
    assert.equal(body.field, "seeds");
    await answer(await post(f, CONFIG.replace("epochs: 3", "epochs: 100")), 202);
    await answer(await post(f, CONFIG.replace("seeds: [0]", "seeds: 5")), 202);
    assert.equal(f.spawned.length, 2);
  }));

Deno.test("body cap: a huge chunked body is refused while it streams (413), not buffered", () =>
  withFixture({}, async (f) => {
    let sent = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 300 * 1024 * 1024) return c.close();
        sent += chunk.byteLength;
        c.enqueue(chunk);
      },
    });
    const res = await post(f, body);
    const b = await answer(res, 413);
    assert.match(String(b.error), /too large/);
    assert.ok(sent < 4 * 1024 * 1024, `read ${sent} bytes of a 300 MB body`);
    const declared = await post(f, "x", { ...PAGE, "Content-Length": String(300 * 1024 * 1024) });
    await answer(declared, 413);
    assert.equal(f.spawned.length, 0);
  }));

Deno.test("queue: runs beyond the slots wait (visible), beyond the queue 429; stop dequeues or stops", () =>
  withFixture({ limits: { maxRuns: 1, maxQueue: 1 } }, async (f) => {
    const first = await answer(await post(f, CONFIG), 202);
    assert.equal(first.status, "running");
    const second = await answer(await post(f, CONFIG.replace("posted", "second")), 202);
    assert.equal(second.status, "queued");
    await answer(await post(f, CONFIG), 429);
    assert.equal(f.spawned.length, 1);
    const runs = (await (await f.app.request("/api/runs")).json()).runs as {
      id: string;
      status: string;
    }[];
    assert.deepEqual(runs.find((r) => r.id === second.id)?.status, "queued");
    // the first run ends: the second starts
    f.spawned[0].end();
    for (let i = 0; i < 50 && f.spawned.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(f.spawned.length, 2);
    assert.equal(f.spawned[1].id, second.id);
    // a third waits; stopping it means it never starts, and its row says so
    const third = await answer(await post(f, CONFIG.replace("posted", "third")), 202);
    assert.equal(third.status, "queued");
    const stopHeaders = { "X-Lens-Token": TOKEN };
    const s3 = await answer(await post(f, null, stopHeaders, `/api/runs/${third.id}/stop`), 202);
    assert.equal(s3.status, "interrupted");
    assert.equal(f.store.getRun(String(third.id))?.status, "interrupted");
    f.spawned[1].end();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(f.spawned.length, 2, "a stopped queued run never starts");
    // stopping what this server did not start, or an unknown run
    bareRun(f.store, "cli-run");
    await answer(await post(f, null, stopHeaders, "/api/runs/cli-run/stop"), 409);
    await answer(await post(f, null, stopHeaders, "/api/runs/nope/stop"), 404);
  }));

Deno.test("runs still waiting when the server shuts down are recorded as interrupted", async () => {
  const closing = new AbortController();
  await withFixture({ limits: { maxRuns: 1, maxQueue: 2 }, signal: closing.signal }, async (f) => {
    await answer(await post(f, CONFIG), 202);
    const waiting = await answer(await post(f, CONFIG), 202);
    assert.equal(waiting.status, "queued");
    closing.abort();
    const row = f.store.getRun(String(waiting.id));
    assert.equal(row?.status, "interrupted");
    assert.match(row?.error ?? "", /server stopped/);
  });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

Deno.test("a run whose writer died (kill -9) reads as interrupted and its event stream ends", () =>
  withFixture({}, async (f) => {
    bareRun(f.store, "orphan");
    f.store.recordEpoch("orphan", { seed: 0, epoch: 0, sampled: true, loss: 1, accuracy: 0.5 });
    const db = new DatabaseSync(f.dbPath);
    db.prepare("UPDATE runs SET pid = ? WHERE id = 'orphan'").run(await deadPid());
    db.close();
    const runs = (await (await f.app.request("/api/runs")).json()).runs as {
      id: string;
      status: string;
      error: string;
    }[];
    assert.equal(runs[0].status, "interrupted");
    assert.match(runs[0].error, /is gone/);
    const one = await (await f.app.request("/api/runs/orphan")).json();
    assert.equal(one.run.status, "interrupted");
    const text = await Promise.race([
      (await f.app.request("/api/runs/orphan/events")).text(),
      new Promise<string>((_, no) => setTimeout(() => no(new Error("stream did not end")), 5000)),
    ]);
    assert.match(text, /"status":"interrupted"[^\n]*"final":true/);
    // a live writer (this process) is not judged
    bareRun(f.store, "alive");
    assert.equal((await (await f.app.request("/api/runs/alive")).json()).run.status, "running");
  }));

Deno.test("results are paged: limit and after_id walk every record once, in order", () =>
  withFixture({}, async (f) => {
    bareRun(f.store, "big");
    const records: ResultRecord[] = [];
    for (let i = 0; i < 2500; i++) {
      records.push({
        plugin: "p",
        layer: `l${i % 3}`,
        epoch: i,
        seed: 0,
        index: 0,
        metric: i % 2 ? "a" : "b",
        value: i / 7,
      });
    }
    f.store.appendResults("big", records);
    const all: number[] = [];
    let after = 0;
    let pages = 0;
    while (true) {
      const res = await f.app.request(`/api/runs/big/results?metric=a&limit=400&after_id=${after}`);
      const page = await answer(res, 200) as {
        results: { epoch: number; value: number }[];
        count: number;
        next: number | null;
      };
      assert.equal(page.count, page.results.length);
      assert.ok(page.count <= 400);
      all.push(...page.results.map((r) => r.epoch));
      pages++;
      if (page.next === null) break;
      after = page.next;
    }
    const expected = records.filter((r) => r.metric === "a").map((r) => r.epoch);
    assert.deepEqual(all, expected);
    assert.equal(pages, Math.ceil(expected.length / 400) + (expected.length % 400 ? 0 : 1));
    const whole = await answer(await f.app.request("/api/runs/big/results"), 200) as {
      count: number;
      next: number | null;
    };
    assert.equal(whole.count, 2500);
    assert.equal(whole.next, null);
    const bad = await answer(await f.app.request("/api/runs/big/results?limit=1000000"), 400);
    assert.equal(bad.field, "limit");
  }));

Deno.test("queue: concurrent starts never overfill the slots", () =>
  withFixture({ limits: { maxRuns: 2, maxQueue: 1 } }, async (f) => {
    const answers = await Promise.all(Array.from({ length: 5 }, async () => {
      const res = await post(f, CONFIG);
      return [res.status, (await res.json()).status] as const;
    }));
    const tally = answers.map(([code, status]) => `${code} ${status ?? ""}`.trim()).sort();
    assert.deepEqual(tally, ["202 queued", "202 running", "202 running", "429", "429"]);
    assert.equal(f.spawned.length, 2);
  }));
