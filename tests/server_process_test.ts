/**
 * A real `lens serve` process: a busy port is exit 2 with one line; a
 * rebinding Host is refused over a raw socket; a run started from the page
 * (its token, its origin) with a custom plugin given to `serve --plugin`
 * completes with that plugin's records; a run stopped from the API ends
 * interrupted; a CLI run killed with SIGKILL reads as interrupted and its
 * event stream ends.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CLI, lens, withDir } from "./cli_helpers.ts";
import { startServe } from "./serve_process.ts";

const EXAMPLE_PLUGIN = new URL("../examples/my_metric.ts", import.meta.url).pathname;

/** Sends raw HTTP/1.1 text and returns the status line (Host is whatever the text says). */
async function rawStatus(url: string, request: string): Promise<string> {
  const u = new URL(url);
  const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
  try {
    await conn.write(new TextEncoder().encode(request));
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    return new TextDecoder().decode(buf.subarray(0, n ?? 0)).split("\r\n")[0];
  } finally {
    conn.close();
  }
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 90000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function pageToken(url: string): Promise<string> {
  const html = await (await fetch(url)).text();
  return /<meta name="layerlens-token" content="([0-9a-f]+)">/.exec(html)![1];
}

interface Summary {
  id: string;
  status: string;
  error: string | null;
}

async function runs(url: string): Promise<Summary[]> {
  return (await (await fetch(new URL("/api/runs", url))).json()).runs;
}

Deno.test("lens serve on a busy port: exit 2, one line, no stack trace", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await withDir(async (dir) => {
      const r = await lens([
        "serve",
        "--port",
        String((busy.addr as Deno.NetAddr).port),
        "--db",
        join(dir, "x.db"),
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /already in use/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  } finally {
    busy.close();
  }
});

Deno.test("lens serve: rebinding Host refused; a page run with a --plugin plugin completes; stop interrupts", async () => {
  await withDir(async (dir) => {
    const server = await startServe([
      "--db",
      join(dir, "runs.db"),
      "--plugin",
      EXAMPLE_PLUGIN,
      "--max-runs",
      "1",
    ]);
    try {
      const port = new URL(server.url).port;
      assert.match(
        await rawStatus(
          server.url,
          `GET /api/runs HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`,
        ),
        / 403 /,
      );
      assert.match(
        await rawStatus(
          server.url,
          `GET /api/runs HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`,
        ),
        / 200 /,
      );
      const token = await pageToken(server.url);
      const start = (config: string, headers: Record<string, string> = {}) =>
        fetch(new URL("/api/runs", server.url), {
          method: "POST",
          body: config,
          headers: {
            "Content-Type": "application/yaml",
            "X-Lens-Token": token,
            Origin: server.url.slice(0, -1),
            ...headers,
          },
        });
      const config = "name: custom\ndata: {name: tishby12}\nmodel: {hidden: [4, 3]}\n" +
        "training: {epochs: 20}\nschedule: {type: every, every: 5}\nseeds: [0]\n" +
        "plugins: [mean-abs-activation]\n";
      const refused = await start(config, { Origin: "null" });
      assert.equal(refused.status, 403);
      await refused.body?.cancel();
      const res = await start(config);
      const { id } = await res.json();
      assert.equal(res.status, 202);
      const done = await waitFor("the custom-plugin run to end", async () => {
        const r = (await runs(server.url)).find((x) => x.id === id);
        return r && !["running", "starting", "queued"].includes(r.status) ? r : undefined;
      });
      assert.equal(done.status, "completed", done.error ?? "");
      const page = await (await fetch(
        new URL(`/api/runs/${id}/results?plugin=mean-abs-activation&metric=mean_abs`, server.url),
      )).json();
      // sampled epochs 0, 5, 10, 15, 19 x the MLP's 3 hook points
      assert.ok(page.count >= 12, JSON.stringify(page).slice(0, 300));

      // a long run, stopped from the API: interrupted, keeps what it wrote
      const long = await start(config.replace("epochs: 20", "epochs: 20000"));
      const longId = (await long.json()).id;
      assert.equal(long.status, 202);
      await waitFor("the long run to train", async () => {
        const r = (await runs(server.url)).find((x) => x.id === longId);
        return r?.status === "running" ? r : undefined;
      });
      const stop = await fetch(new URL(`/api/runs/${longId}/stop`, server.url), {
        method: "POST",
        headers: { "X-Lens-Token": token },
      });
      assert.equal(stop.status, 202, await stop.text());
      const stopped = await waitFor("the stopped run to end", async () => {
        const r = (await runs(server.url)).find((x) => x.id === longId);
        return r && r.status !== "running" ? r : undefined;
      }, 30000);
      assert.equal(stopped.status, "interrupted", stopped.error ?? "");
    } finally {
      const { status, stderr } = await server.stop();
      assert.equal(status.code, 0, stderr);
    }
  });
});

Deno.test("a CLI run killed with SIGKILL reads as interrupted in lens serve; its stream ends", async () => {
  await withDir(async (dir) => {
    const db = join(dir, "runs.db");
    const cfg = join(dir, "long.yaml");
    await Deno.writeTextFile(
      cfg,
      "name: victim\ndata: {name: tishby12}\nmodel: {hidden: [4, 3]}\ntraining: {epochs: 1000000}\n" +
        "schedule: {type: every, every: 1000}\nseeds: [0]\nplugins: [grad-snr]\n",
    );
    const server = await startServe(["--db", db]);
    const victim = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "run", cfg, "--db", db, "--quiet"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const running = await waitFor("the CLI run to train", async () => {
        const r = (await runs(server.url)).find((x) => x.status === "running");
        return r;
      });
      const events = await fetch(new URL(`/api/runs/${running.id}/events`, server.url));
      victim.kill("SIGKILL");
      await victim.status;
      const after = await waitFor("the dead run to read interrupted", async () => {
        const r = (await runs(server.url)).find((x) => x.id === running.id);
        return r?.status === "interrupted" ? r : undefined;
      }, 10000);
      assert.match(after.error ?? "", /is gone/);
      const text = await Promise.race([
        events.text(),
        new Promise<string>((_, no) =>
          setTimeout(() => no(new Error("stream did not end")), 10000)
        ),
      ]);
      assert.match(text, /"status":"interrupted"[^\n]*"final":true/);
    } finally {
      try {
        victim.kill("SIGKILL");
      } catch { /* already dead */ }
      await victim.status;
      await server.stop();
    }
  });
});
