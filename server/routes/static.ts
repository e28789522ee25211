/**
 * The dashboard's own files: the page shell for `/`, `/runs/:id` and
 * `/compare` (carrying the server's token in `<meta name="layerlens-token">`:
 * only a page of this origin can read it), the modules and styles under `/static/`, and the
 * browser builds of chart.js, hammerjs and chartjs-plugin-zoom (zoom and
 * pan) under `/vendor/` (no CDN; the dashboard works offline). All of them
 * come from generated modules (server/static_bundle.ts, server/vendor_bundle.ts,
 * made by tools/bundle_static.ts), so the server reads nothing from disk and
 * works wherever the package is imported from.
 *
 * @module
 */
import { Hono } from "../../deps/hono.ts";
import { LensError } from "../../core/errors.ts";
import type { AppEnv } from "../context.ts";
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

/** Routes for the page shell and static assets. */
export function staticRoutes(token: string): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const shell = () => {
    const body = readStatic("index.html");
    if (!body) throw new LensError("server/static/index.html is missing", { code: "static" });
    const html = new TextDecoder().decode(body).replace(
      '<meta name="layerlens-token" content="">',
      `<meta name="layerlens-token" content="${token.replace(/[^A-Za-z0-9_-]/g, "")}">`,
    );
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
