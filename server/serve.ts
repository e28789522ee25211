/**
 * Serves the dashboard and API with Deno.serve, on 127.0.0.1 by default.
 * `lens serve` calls this.
 *
 * @example
 * ```ts
 * const { url, shutdown } = await serve({ dbPath: "runs.db", port: 8787 });
 * // ... open url in a browser ...
 * await shutdown();
 * ```
 *
 * @module
 */
import { LensError } from "../core/errors.ts";
import { createRegistry } from "../core/registry.ts";
import { openStoreAt as openStore } from "../core/store_open.ts";
import type { Plugin } from "../core/types.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { createApp } from "./app.ts";
import type { RunLimits } from "./budget.ts";
import { prepareStatic } from "./routes/static.ts";
import { SECURITY_HEADERS } from "./security_headers.ts";
import { createRunSpawner } from "./spawn_run.ts";

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** The run database. */
  dbPath: string;
  /** Lets requests with `Authorization: Bearer <token>` start and stop runs from other machines. */
  token?: string;
  /** Host names accepted besides 127.0.0.1, localhost and [::1] (`--allow-host`). */
  allowHosts?: string[];
  /** Directory whose files POSTed configs may name (`--data-dir`); default none. */
  dataDir?: string;
  /** Budget and concurrency of runs started from the dashboard. */
  limits?: Partial<RunLimits>;
  /** Plugins besides the built-in ones (custom plugins whose charts should show). */
  plugins?: Plugin[];
  /** The files those plugins came from: runs started from the dashboard load them too. */
  pluginFiles?: string[];
  /** Print the URL (default true). */
  quiet?: boolean;
}

/** A running server. */
export interface Server {
  url: string;
  /** Stops accepting requests, ends runs the server started, closes the store. */
  shutdown(): Promise<void>;
}

/** The real path of the data directory; a LensError when it is not a directory. */
async function realDataDir(dir: string): Promise<string> {
  try {
    const real = await Deno.realPath(dir);
    if ((await Deno.stat(real)).isDirectory) return real;
  } catch {
    // reported below
  }
  throw new LensError(`${dir} is not a directory`, {
    code: "usage",
    field: "--data-dir",
    expected: "an existing directory",
  });
}

/** Starts the server; resolves once it listens. A busy port is a LensError (`usage`). */
export async function serve(opts: ServeOptions): Promise<Server> {
  const host = opts.host ?? "127.0.0.1";
  const dataDir = opts.dataDir === undefined ? undefined : await realDataDir(opts.dataDir);
  const store = openStore(opts.dbPath);
  const registry = createRegistry([...builtinPlugins(), ...(opts.plugins ?? [])]);
  const spawner = createRunSpawner({ store, dbPath: opts.dbPath, plugins: opts.pluginFiles });
  const closing = new AbortController();
  const bound: { port?: number } = {};
  const app = createApp({
    store,
    registry,
    dbPath: opts.dbPath,
    token: opts.token,
    allowHosts: opts.allowHosts,
    port: () => bound.port,
    dataDir,
    limits: opts.limits,
    spawnRun: spawner.spawn,
    signal: closing.signal,
  });
  try {
    // the bundled scripts made before the first page asks for them
    await prepareStatic();
  } catch (e) {
    // the pages' requests for them answer this error too
    console.error(`layerlens server: ${e instanceof Error ? e.message : e}`);
  }
  const ready = Promise.withResolvers<Deno.NetAddr>();
  let server: Deno.HttpServer;
  try {
    server = Deno.serve(
      {
        hostname: host,
        port: opts.port ?? 8787,
        onListen: (addr) => ready.resolve(addr),
        onError: (e) => {
          console.error(`layerlens server: ${e instanceof Error ? e.stack : e}`);
          return Response.json({ error: "internal error" }, {
            status: 500,
            headers: SECURITY_HEADERS,
          });
        },
      },
      (req, info) => app.fetch(req, info),
    );
  } catch (e) {
    store.close();
    if (e instanceof Deno.errors.AddrInUse) {
      throw new LensError(`port ${opts.port ?? 8787} on ${host} is already in use`, {
        code: "usage",
        field: "--port",
        expected: "a free port (or --port 0 to pick one)",
      });
    }
    throw e;
  }
  const addr = await ready.promise;
  bound.port = addr.port;
  const shown = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const url = `http://${shown === "0.0.0.0" ? "127.0.0.1" : shown}:${addr.port}/`;
  if (!opts.quiet) console.log(`layerlens dashboard: ${url}`);
  let closed = false;
  return {
    url,
    async shutdown() {
      if (closed) return;
      closed = true;
      closing.abort();
      await server.shutdown();
      await spawner.stopAll();
      store.close();
    },
  };
}
