/**
 * `lens serve`: the dashboard and HTTP API over a run database.
 *
 * @module
 */
import { dbPath, DEFAULT_DB, intFlag, listFlag, parseFlags } from "./args.ts";
import { loadRegistry } from "./load_plugins.ts";
import { builtinPlugins } from "../plugins/builtin.ts";

/** Help text of `lens serve`. */
export const HELP = `lens serve [options]

Serves the dashboard (information plane, gradient SNR, feature complexity,
live progress of running runs) and its JSON API over a run database.
Binds 127.0.0.1 by default; runs can be started from the dashboard on this
machine, or from elsewhere with the token. Ctrl-C stops the server.

Options:
  --port N       port (default 8787; 0 picks a free one)
  --host H       interface to bind (default 127.0.0.1)
  --db FILE      run database (default ./${DEFAULT_DB}; created if missing)
  --token T      let requests with 'Authorization: Bearer T' start runs from other machines
  --plugin FILE  custom plugins whose charts to show (repeatable)
  -h, --help     this help

Example:
  deno task lens serve --db runs.db --port 8787
`;

/** Runs `lens serve` until Ctrl-C / SIGTERM. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseFlags("serve", args, {
    port: { type: "string" },
    host: { type: "string" },
    db: { type: "string" },
    token: { type: "string" },
    plugin: { type: "string", multiple: true },
  }, { min: 0, max: 0, names: "" });
  const port = intFlag("serve", "port", values.port, 0, 65535) ?? 8787;
  const builtinIds = new Set(builtinPlugins().map((p) => p.id));
  const custom = (await loadRegistry(listFlag(values.plugin))).list()
    .filter((p) => !builtinIds.has(p.id));
  const { serve } = await import("../server/serve.ts");
  const server = await serve({
    port,
    host: typeof values.host === "string" ? values.host : undefined,
    dbPath: dbPath(values.db),
    token: typeof values.token === "string" ? values.token : undefined,
    plugins: custom,
  });
  const stopped = Promise.withResolvers<void>();
  const sigs: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const onSignal = () => stopped.resolve();
  for (const s of sigs) Deno.addSignalListener(s, onSignal);
  await stopped.promise;
  for (const s of sigs) Deno.removeSignalListener(s, onSignal);
  await server.shutdown();
  return 0;
}
