/**
 * Regenerates the screenshots of docs/dashboard.md from real runs: trains a
 * small tishby12 run (3 seeds; mi-binned, grad-snr, phases, ib-bound) and a
 * two-variant depth sweep (2 seeds each) with the CLI into a temporary
 * database, serves it, and photographs each page in Debian's chromium into
 * docs/img/dashboard_*.png.
 *
 * Run: `deno run -A tools/screenshots.ts` (about a minute).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "../deps/playwright_core.ts";
import { serve } from "../server/serve.ts";
import { CHROMIUM, LAUNCH_ARGS } from "../tests/chromium.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = join(ROOT, "docs", "img");

const RUN = `name: tishby12 tanh (1500 epochs)
data: {name: tishby12}
model: {type: mlp, hidden: [10, 7, 5, 4, 3], activation: tanh}
training: {epochs: 1500}
schedule: {type: log, points: 120}
seeds: 3
plugins: [{id: mi-binned}, {id: grad-snr}, {id: phases}, {id: ib-bound}]
`;

const SWEEP = `name: depth
base:
  data: {name: tishby12}
  model: {type: mlp, hidden: [10, 7, 5, 4, 3], activation: tanh}
  training: {epochs: 1000}
  schedule: {type: log, points: 80}
  seeds: 2
  plugins: [{id: mi-binned}, {id: grad-snr}]
variants:
  - {name: depth-3, model: {hidden: [10, 7, 5]}}
  - {name: depth-5}
`;

async function lens(args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "cli/main.ts"), ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`lens ${args[0]} failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`);
  }
}

/**
 * Waits until every visible chart on the page has points (polled with
 * page.evaluate: the page's Content-Security-Policy forbids the eval that
 * waitForFunction uses).
 */
async function chartsDrawn(page: Page, ms = 20000): Promise<void> {
  const deadline = Date.now() + ms;
  const ready = `(() => {
    const cs = [...document.querySelectorAll("canvas")].filter((c) => c.offsetParent !== null);
    return cs.length > 0 && cs.every((c) => {
      const ch = Chart.getChart(c);
      return ch && ch.data.datasets.some((d) => d.data.length > 0);
    });
  })()`;
  while (!(await page.evaluate(ready))) {
    if (Date.now() > deadline) throw new Error(`charts of ${page.url()} not drawn`);
    await page.waitForTimeout(100);
  }
  await page.waitForTimeout(200);
}

if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
await Deno.mkdir(OUT, { recursive: true });
const dir = await Deno.makeTempDir({ prefix: "layerlens-shots-" });
const db = join(dir, "runs.db");
try {
  await Deno.writeTextFile(join(dir, "run.yaml"), RUN);
  await Deno.writeTextFile(join(dir, "sweep.yaml"), SWEEP);
  console.log("training the run and the sweep…");
  await lens(["run", join(dir, "run.yaml"), "--db", db, "--run-id", "tishby12-tanh", "--quiet"]);
  await lens(["sweep", join(dir, "sweep.yaml"), "--db", db, "--quiet"]);

  const server = await serve({ port: 0, dbPath: db, quiet: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const shot = async (name: string, full = true) => {
      await page.screenshot({ path: join(OUT, `dashboard_${name}.png`), fullPage: full });
      console.log(`docs/img/dashboard_${name}.png`);
    };
    await page.goto(server.url);
    await page.waitForSelector("table.runs tbody tr[data-run-id]");
    await page.waitForSelector(".sweep-link");
    await shot("runs");

    await page.goto(`${server.url}runs/tishby12-tanh#infoplane`);
    await chartsDrawn(page);
    await shot("infoplane");
    await page.click('.tab:text-is("Gradient SNR")');
    await chartsDrawn(page);
    await shot("gradients");

    const { runs } = await (await fetch(`${server.url}api/runs`)).json() as {
      runs: { id: string }[];
    };
    await page.goto(`${server.url}compare?runs=${runs.map((r) => r.id).join(",")}`);
    await chartsDrawn(page);
    await shot("compare");

    await page.goto(`${server.url}sweeps/depth`);
    await chartsDrawn(page);
    await shot("sweep");
  } finally {
    await browser.close();
    await server.shutdown();
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
