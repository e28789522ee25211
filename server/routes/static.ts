/**
 * The dashboard's own files: the page shell for `/`, `/runs/:id` and
 * `/compare` (carrying the server's token in `<meta name="layerlens-token">`:
 * only a page of this origin can read it), the modules and styles under `/static/`, and the
 * browser builds of chart.js, hammerjs and chartjs-plugin-zoom (zoom and
 * pan) under `/vendor/` (no CDN; the dashboard works offline). All of them
 * come from generated modules (server/static_bundle.ts, server/vendor_bundle.ts,
 * made by tools/bundle_static.ts), so the server reads nothing from disk and
 * works wherever the package is imported from. `/vendor/charts.js` is the
 * three vendor builds in one script (one request; the pages load it,
 * server/static/chart_lib.js), and `/static/app.bundle.js` the page modules
 * in one (module_bundle.ts); `lens serve` makes both before it listens
 * ({@link prepareStatic}).
 *
 @module
 */
import { type Context, Hono } from "../../deps/hono.ts";
import { LensError } from "../../core/errors.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { firstTabChartUrls } from "../first_charts.ts";
import { bundleModules } from "../module_bundle.ts";
import { type BundledFile, STATIC_FILES } from "../static_bundle.ts";
import { VENDOR_FILES } from "../vendor_bundle.ts";

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  json: "application/json",
};

const encoded = new Map<BundledFile, Uint8Array<ArrayBuffer>>();

/** The bytes of a bundled file, encoded once. */
function bytesOf(file: BundledFile): Uint8Array<ArrayBuffer> {
  let bytes = encoded.get(file);
  if (!bytes) {
    bytes = "text" in file
      ? new TextEncoder().encode(file.text)
      : Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
    encoded.set(file, bytes);
  }
  return bytes;
}

/** A file of server/static/ by its path under /static/, or undefined. */
function readStatic(path: string): Uint8Array<ArrayBuffer> | undefined {
  if (!Object.hasOwn(STATIC_FILES, path)) return undefined;
  return bytesOf(STATIC_FILES[path]);
}

/** Where server/static/ would be: only to name bundled files by URL, never read. */
const STATIC_ROOT = new URL("../static/", import.meta.url);

/**
 * The text of a bundled file of server/static/ named by its URL under that
 * folder, as `Deno.readTextFile` would give it, for code written against
 * files (a module bundler's `read`); a file not in the bundle is
 * `Deno.errors.NotFound`.
 *
 * @example
 * ```ts
 * await staticText(new URL("../static/app.js", import.meta.url)); // the page entry module
 * ```
 */
export function staticText(url: URL): Promise<string> {
  const path = url.href.startsWith(STATIC_ROOT.href) ? url.href.slice(STATIC_ROOT.href.length) : "";
  const body = path ? readStatic(decodeURIComponent(path)) : undefined;
  if (!body) {
    return Promise.reject(new Deno.errors.NotFound(`${url.pathname} is not a bundled static file`));
  }
  return Promise.resolve(new TextDecoder().decode(body));
}

/** The bundle's parts, in the order they must run (the zoom plugin needs Chart and Hammer). */
const BUNDLE = ["chart.js", "hammer.js", "chartjs-plugin-zoom.js"];

let chartsBundle: Uint8Array<ArrayBuffer> | undefined;

/** chart.js, hammerjs and the zoom plugin as one script, built once. */
function readBundle(): Uint8Array<ArrayBuffer> {
  if (chartsBundle) return chartsBundle;
  const dec = new TextDecoder();
  const parts = BUNDLE.map((name) => {
    // the source maps are not served: drop their comments
    const text = dec.decode(bytesOf(VENDOR_FILES[name])).replace(
      /^\/\/# sourceMappingURL=.*$/gm,
      "",
    );
    return `/* ${name} */\n${text}\n;\n`;
  });
  chartsBundle = new TextEncoder().encode(parts.join(""));
  return chartsBundle;
}

let appBundle: Promise<string> | undefined;

/** The page modules in one script, made once per process from the bundled files. */
function readAppBundle(): Promise<string> {
  appBundle ??= bundleModules(STATIC_ROOT, "app.js", staticText);
  return appBundle;
}

/**
 * Makes both bundles (the page modules, the chart library) before the
 * first page asks for them (`lens serve` calls it before it listens).
 */
export async function prepareStatic(): Promise<void> {
  readBundle();
  await readAppBundle();
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
  const shell = (c: Context<AppEnv>) => {
    const body = readStatic("index.html");
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
  for (const [name, file] of Object.entries(VENDOR_FILES)) {
    app.get(
      `/vendor/${name}`,
      () =>
        new Response(bytesOf(file), {
          headers: { "Content-Type": TYPES.js, "Cache-Control": "max-age=3600" },
        }),
    );
  }
  app.get(
    "/vendor/charts.js",
    () =>
      new Response(readBundle(), {
        headers: { "Content-Type": TYPES.js, "Cache-Control": "max-age=3600" },
      }),
  );
  // every module of the pages in one script, rebuilt when a module file changes
  app.get(
    "/static/app.bundle.js",
    async () =>
      new Response(await readAppBundle(), {
        headers: { "Content-Type": TYPES.js, "Cache-Control": "no-cache" },
      }),
  );
  app.get("/static/*", (c) => {
    const path = c.req.path.slice("/static/".length);
    const body = readStatic(path);
    if (!body) {
      throw new LensError(`no static file "${path}"`, { code: "not_found", field: "path" });
    }
    const ext = path.slice(path.lastIndexOf(".") + 1);
    return new Response(body, {
      headers: {
        "Content-Type": TYPES[ext] ?? "application/octet-stream",
        "Cache-Control": "no-cache",
      },
    });
  });
  return app;
}
