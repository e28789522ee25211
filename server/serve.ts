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
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import type { Plugin } from "../core/types.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { createApp } from "./app.ts";
import { createRunSpawner } from "./spawn_run.ts";

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** The run database. */
  dbPath: string;
  /** Lets requests with `Authorization: Bearer <token>` start runs from other machines. */
  token?: string;
  /** Plugins besides the built-in ones (custom plugins whose charts should show). */
  plugins?: Plugin[];
  /** Print the URL (default true). */
  quiet?: boolean;
}

/** A running server. */
export interface Server {
  url: string;
  /** Stops accepting requests, ends runs the server started, closes the store. */
  shutdown(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function serve(opts: ServeOptions): Promise<Server> {
  const host = opts.host ?? "127.0.0.1";
  const store = openStore(opts.dbPath);
  const registry = createRegistry([...builtinPlugins(), ...(opts.plugins ?? [])]);
  const spawner = createRunSpawner({ store, dbPath: opts.dbPath });
  const closing = new AbortController();
  const app = createApp({
    store,
    registry,
    dbPath: opts.dbPath,
    token: opts.token,
    spawnRun: spawner.spawn,
    signal: closing.signal,
  });
  const ready = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    {
      hostname: host,
      port: opts.port ?? 8787,
      onListen: (addr) => ready.resolve(addr),
      onError: (e) => {
        console.error(`layerlens server: ${e instanceof Error ? e.stack : e}`);
        return Response.json({ error: "internal error" }, { status: 500 });
      },
    },
    (req, info) => app.fetch(req, info),
  );
  const addr = await ready.promise;
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
