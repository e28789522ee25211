/**
 * The dashboard's own files: the page shell for `/`, `/runs/:id` and
 * `/compare` (carrying the server's token in `<meta name="layerlens-token">`:
 * only a page of this origin can read it), the modules and styles under `/static/`, and the
 * browser builds of chart.js, hammerjs and chartjs-plugin-zoom (zoom and
 * pan) under `/vendor/`, read from node_modules on disk (no CDN; the
 * dashboard works offline). `/vendor/charts.js` is the three in one script
 * (one request; the pages load it, server/static/chart_lib.js), and
 * `/static/app.bundle.js` the page modules in one (module_bundle.ts); `lens
 * serve` makes both before it listens ({@link prepareStatic}).
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { LensError } from "../../core/errors.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { firstTabChartUrls } from "../first_charts.ts";
import { bundleCache } from "../module_bundle.ts";

const STATIC_DIR = new URL("../static/", import.meta.url);

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  json: "application/json",
};

/** Browser builds served under /vendor/: name -> files in node_modules, preferred first. */
const VENDOR: Record<string, string[]> = {
  "chart.js": ["chart.js/dist/chart.umd.min.js", "chart.js/dist/chart.umd.js"],
  "hammer.js": ["hammerjs/hammer.min.js", "hammerjs/hammer.js"],
  "chartjs-plugin-zoom.js": [
    "chartjs-plugin-zoom/dist/chartjs-plugin-zoom.min.js",
    "chartjs-plugin-zoom/dist/chartjs-plugin-zoom.js",
  ],
};

/** Where a vendor file may be: beside this checkout, or under the working directory. */
function vendorCandidates(files: string[]): URL[] {
  const roots = [new URL("../../", import.meta.url)];
  try {
    roots.push(new URL(`file://${Deno.cwd()}/`));
  } catch {
    // no readable working directory: the checkout root is enough
  }
  return roots.flatMap((r) => files.map((f) => new URL(`node_modules/${f}`, r)));
}

const vendorCache = new Map<string, Uint8Array>();

/** A vendor browser build, read once. */
async function readVendor(name: string): Promise<Uint8Array> {
  const hit = vendorCache.get(name);
  if (hit) return hit;
  const tried: string[] = [];
  for (const url of vendorCandidates(VENDOR[name])) {
    try {
      const body = await Deno.readFile(url);
      vendorCache.set(name, body);
      return body;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      tried.push(url.pathname);
    }
  }
  throw new LensError(`${name} not found (looked at ${tried.join(", ")})`, {
    code: "static",
    expected: "npm packages installed (run `deno install` in the layerlens checkout)",
  });
}

/** The bundle's parts, in the order they must run (the zoom plugin needs Chart and Hammer). */
const BUNDLE = ["chart.js", "hammer.js", "chartjs-plugin-zoom.js"];

/** chart.js, hammerjs and the zoom plugin as one script, built once. */
async function readBundle(): Promise<Uint8Array> {
  const hit = vendorCache.get("charts.js");
  if (hit) return hit;
  const dec = new TextDecoder();
  const parts = await Promise.all(BUNDLE.map(async (name) => {
    // the source maps are not served: drop their comments
    const text = dec.decode(await readVendor(name)).replace(/^\/\/# sourceMappingURL=.*$/gm, "");
    return `/* ${name} */\n${text}\n;\n`;
  }));
  const body = new TextEncoder().encode(parts.join(""));
  vendorCache.set("charts.js", body);
  return body;
}

/** Reads a file under server/static/, refusing paths that leave it. */
async function readStatic(path: string): Promise<Uint8Array | undefined> {
  if (
    !/^[A-Za-z0-9_\-/]+\.[a-z]+$/.test(path) || path.split("/").some((s) => s === "" || s === "..")
  ) {
    return undefined;
  }
  try {
    return await Deno.readFile(new URL(path, STATIC_DIR));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** The page modules in one script, kept until a module file changes (one per process). */
const appBundle = bundleCache(STATIC_DIR, "app.js");

/**
 * Makes both bundles (the page modules, the chart library) before the
 * first page asks for them (`lens serve` calls it before it listens).
 */
export async function prepareStatic(): Promise<void> {
  await Promise.all([appBundle.get(), readBundle()]);
}

/** Most runs of a compare address given preload hints. */
const MAX_PRELOADED_RUNS = 12;

/**
 * The API answers a page asks for first (the modules' first getJSON calls,
 * the same URLs), as `<link rel="preload">` tags: the browser fetches them
 * while the page's scripts load.
 */
export function bootPreloads(
  path: string,
  search: URLSearchParams,
  charts: (runId: string) => string[] = () => [],
): string {
  const enc = encodeURIComponent;
  const urls: string[] = [];
  const run = /^\/runs\/([^/]+)\/?$/.exec(path);
  const sweep = /^\/sweeps\/([^/]+)\/?$/.exec(path);
  const decoded = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return undefined;
    }
  };
  if (path === "/") urls.push("/api/runs");
  else if (run) {
    const id = decoded(run[1]);
    if (id !== undefined) urls.push("/api/plugins", `/api/runs/${enc(id)}`, ...charts(id));
  } else if (sweep) {
    const name = decoded(sweep[1]);
    if (name !== undefined) urls.push("/api/plugins", `/api/sweeps/${enc(name)}`);
  } else if (path === "/compare") {
    const ids = (search.get("runs") ?? "").split(",").filter(Boolean).slice(0, MAX_PRELOADED_RUNS);
    if (ids.length) urls.push("/api/plugins");
    for (const id of ids) urls.push(`/api/runs/${enc(id)}`, `/api/runs/${enc(id)}/training`);
  }
  // encodeURIComponent leaves no quote or angle bracket: safe in a double-quoted attribute
  return urls.map((u) => `<link rel="preload" href="${u}" as="fetch" crossorigin="anonymous">`)
    .join("\n    ");
}

/** Routes for the page shell and static assets. */
export function staticRoutes(
  token: string,
  deps?: Pick<AppDeps, "store" | "registry">,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // a run page's first charts, preloaded with its first API answers (first_charts.ts)
  const charts = (runId: string) => {
    const run = deps?.store.getRun(runId);
    return run && deps ? firstTabChartUrls(run, deps.registry.list()) : [];
  };
  const shell = async (c: Context<AppEnv>) => {
    const body = await readStatic("index.html");
    if (!body) throw new LensError("server/static/index.html is missing", { code: "static" });
    const url = new URL(c.req.url);
    const html = new TextDecoder().decode(body).replace(
      '<meta name="layerlens-token" content="">',
      `<meta name="layerlens-token" content="${token.replace(/[^A-Za-z0-9_-]/g, "")}">`,
    ).replace("<!-- boot preloads -->", bootPreloads(url.pathname, url.searchParams, charts));
    return new Response(html, {
      headers: { "Content-Type": TYPES.html, "Cache-Control": "no-store" },
    });
  };
  app.get("/", shell);
  app.get("/runs/:id", shell);
  app.get("/compare", shell);
  app.get("/sweeps/:name", shell);
  for (const name of Object.keys(VENDOR)) {
    app.get(
      `/vendor/${name}`,
      async () =>
        new Response(await readVendor(name) as Uint8Array<ArrayBuffer>, {
          headers: { "Content-Type": TYPES.js, "Cache-Control": "max-age=3600" },
        }),
    );
  }
  app.get(
    "/vendor/charts.js",
    async () =>
      new Response(await readBundle() as Uint8Array<ArrayBuffer>, {
        headers: { "Content-Type": TYPES.js, "Cache-Control": "max-age=3600" },
      }),
  );
  // every module of the pages in one script, rebuilt when a module file changes
  app.get(
    "/static/app.bundle.js",
    async () =>
      new Response(await appBundle.get(), {
        headers: { "Content-Type": TYPES.js, "Cache-Control": "no-cache" },
      }),
  );
  app.get("/static/*", async (c) => {
    const path = c.req.path.slice("/static/".length);
    const body = await readStatic(path);
    if (!body) {
      throw new LensError(`no static file "${path}"`, { code: "not_found", field: "path" });
    }
    const ext = path.slice(path.lastIndexOf(".") + 1);
    return new Response(body as Uint8Array<ArrayBuffer>, {
      headers: {
        "Content-Type": TYPES[ext] ?? "application/octet-stream",
        "Cache-Control": "no-cache",
      },
    });
  });
  return app;
}
