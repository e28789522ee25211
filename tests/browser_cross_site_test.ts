/**
 * A hostile page in the same browser: served from a second loopback port,
 * it tries to start a run on the lens server with a no-cors fetch, a form
 * post (text/plain and urlencoded), a fetch guessing the token (a CORS
 * preflight), a sandboxed iframe (Origin: null) posting by fetch and by
 * form, a stop, and framing the dashboard. No run starts: the store holds
 * no run and the server knows of none. Then the dashboard itself, under
 * its CSP, starts a run from its form and stops it with its Stop button.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CHROMIUM, LAUNCH_ARGS } from "./chromium.ts";
import { type Browser, chromium } from "../deps/playwright_core.ts";
import { openStore } from "../core/store.ts";
import { serve } from "../server/serve.ts";

const CONFIG =
  "name: from-evil\ndata: {name: tishby12}\ntraining: {epochs: 3}\nplugins: [mi-binned]\n";

/** The attacker's page: every way a page can send a request without reading the answer. */
function evilPage(lens: string): string {
  const target = `${lens}api/runs`;
  const cfg = JSON.stringify(CONFIG);
  const inner = `<script>
    fetch(${JSON.stringify(target)}, {method: "POST", mode: "no-cors", body: ${cfg},
      headers: {"Content-Type": "text/plain"}}).catch(() => {});
    const f = document.createElement("form");
    f.method = "POST"; f.action = ${JSON.stringify(target)}; f.enctype = "text/plain";
    const t = document.createElement("textarea"); t.name = "name: x\\ndata: {name: tishby12}\\n#";
    t.value = "1"; f.append(t); document.body.append(f); f.submit();
  </script>`;
  return `<!doctype html><html><body>
<iframe name="sink"></iframe>
<iframe id="framed" src="${lens}"></iframe>
<iframe sandbox="allow-scripts allow-forms" srcdoc="${inner.replaceAll('"', "&quot;")}"></iframe>
<form id="f1" method="POST" action="${target}" enctype="text/plain" target="sink">
  <input name="name: evil
data: {name: tishby12}
training: {epochs: 3}
#" value="1">
</form>
<form id="f2" method="POST" action="${target}" target="sink">
  <input name="config" value="x">
</form>
<script>
(async () => {
  const tries = [
    fetch(${JSON.stringify(target)}, {method: "POST", mode: "no-cors", body: ${cfg}}),
    fetch(${JSON.stringify(target)}, {method: "POST", mode: "no-cors", body: ${cfg},
      headers: {"Content-Type": "application/x-www-form-urlencoded"}}),
    fetch(${JSON.stringify(target)}, {method: "POST", body: ${cfg},
      headers: {"Content-Type": "application/yaml", "X-Lens-Token": "guess"}}),
    fetch(${JSON.stringify(lens + "api/runs/x/stop")}, {method: "POST", mode: "no-cors"}),
  ];
  document.getElementById("f1").submit();
  await new Promise((r) => setTimeout(r, 300));
  document.getElementById("f2").submit();
  await Promise.allSettled(tries);
  window.evilDone = true;
})();
</script></body></html>`;
}

Deno.test({
  name: "a page on another loopback port cannot start a run; the dashboard can, and stops it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} is missing (apt-get install chromium)`);
    const dir = await Deno.makeTempDir({ prefix: "layerlens-xsite-" });
    const db = join(dir, "runs.db");
    let browser: Browser | undefined;
    let lens: Awaited<ReturnType<typeof serve>> | undefined;
    let evil: Deno.HttpServer | undefined;
    const seen: string[] = [];
    try {
      lens = await serve({ port: 0, dbPath: db, quiet: true });
      const lensUrl = lens.url;
      const evilReady = Promise.withResolvers<number>();
      evil = Deno.serve({
        hostname: "127.0.0.1",
        port: 0,
        onListen: (a) => evilReady.resolve(a.port),
      }, () => new Response(evilPage(lensUrl), { headers: { "Content-Type": "text/html" } }));
      const evilPort = await evilReady.promise;
      assert.notEqual(`http://127.0.0.1:${evilPort}/`, lensUrl);

      browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
      const page = await browser.newPage();
      page.on("request", (r) => {
        if (r.url().startsWith(lensUrl) && r.method() === "POST") seen.push(r.url());
      });
      await page.goto(`http://127.0.0.1:${evilPort}/`);
      await page.waitForFunction("window.evilDone === true", undefined, { timeout: 20000 });
      await page.waitForTimeout(1500);
      assert.ok(seen.length >= 5, `the attacks reached the server: ${seen.length} POSTs`);
      // the dashboard refused to be framed: its document never loaded in the frame
      const framed = page.frames().find((f) => f.url().startsWith(lensUrl));
      const framedTitle = framed ? await framed.title().catch(() => "") : "";
      assert.ok(!framedTitle.includes("layerlens"), `framed dashboard loaded: ${framedTitle}`);

      const store = openStore(db);
      try {
        assert.deepEqual(store.listRuns().map((r) => r.name), [], "no run was stored");
      } finally {
        store.close();
      }
      const known = (await (await fetch(`${lensUrl}api/runs`)).json()).runs;
      assert.deepEqual(known, [], "the server knows of no run (none starting or queued)");

      // The dashboard itself, under its CSP: start a run from the form, stop it with the button.
      const dash = await browser.newPage();
      const problems: string[] = [];
      dash.on("pageerror", (e) => problems.push(e.message));
      dash.on("console", (m) => {
        if (m.type() === "error") problems.push(m.text());
      });
      await dash.goto(lensUrl);
      await dash.click("details.new-run summary");
      await dash.fill(
        "details.new-run textarea",
        "name: from-dashboard\ndata: {name: tishby12}\nmodel: {hidden: [4, 3]}\n" +
          "training: {epochs: 20000}\nschedule: {type: every, every: 1000}\nseeds: [0]\n" +
          "plugins: [grad-snr]\n",
      );
      await dash.click('button:text-is("Start run")');
      await dash.waitForURL(/\/runs\//, { timeout: 20000 });
      await dash.waitForSelector('button:text-is("Stop run")', { timeout: 30000 });
      // wait until it trains, then stop it
      for (let i = 0; i < 120; i++) {
        const status = await dash.evaluate(`document.body.dataset.runStatus ?? ""`);
        if (status === "running") break;
        await dash.waitForTimeout(250);
      }
      await dash.click('button:text-is("Stop run")');
      let status = "";
      for (let i = 0; i < 120 && status !== "interrupted"; i++) {
        await dash.waitForTimeout(250);
        const runs = (await (await fetch(`${lensUrl}api/runs`)).json()).runs;
        status = runs[0]?.status ?? "";
      }
      assert.equal(status, "interrupted");
      assert.deepEqual(problems, [], "no page error, no CSP violation");
    } finally {
      await browser?.close();
      await evil?.shutdown();
      await lens?.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
