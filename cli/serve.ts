/**
 * `lens serve`: the dashboard and HTTP API over a run database.
 *
 * @module
 */
import { dbPath, DEFAULT_DB, intFlag, listFlag, parseFlags } from "./args.ts";
import { loadRegistry } from "./load_plugins.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { DEFAULT_LIMITS } from "../server/budget.ts";

/** Help text of `lens serve`. */
export const HELP = `lens serve [options]

Serves the dashboard (information plane, gradient SNR, feature complexity,
live progress of running runs) and its JSON API over a run database.
Binds 127.0.0.1 by default and answers only requests naming it (127.0.0.1,
localhost, [::1] with its port, or --allow-host names). Runs can be started
and stopped from the dashboard page on this machine, or from elsewhere with
the token. See SECURITY.md. Ctrl-C stops the server.

Options:
  --port N               port (default 8787; 0 picks a free one)
  --host H               interface to bind (default 127.0.0.1)
  --db FILE|URL          run database: a SQLite file (default $LAYERLENS_DB, else ./${DEFAULT_DB}; created if missing)
                         or a PostgreSQL URL postgres://user@host[:port]/db
  --token T              let requests with 'Authorization: Bearer T' start and stop runs
                         from other machines
  --allow-host NAME      accept requests for this host name too (repeatable)
  --data-dir DIR         configs started from the dashboard may name files under DIR
                         (default: built-in data sets only)
  --max-seeds N          most seeds of a run started from the dashboard (default ${DEFAULT_LIMITS.maxSeeds})
  --max-epoch-samples N  most epochs x training samples of such a run (default ${DEFAULT_LIMITS.maxEpochSamples})
  --max-runs N           such runs training at once (default ${DEFAULT_LIMITS.maxRuns})
  --max-queue N          such runs waiting for a slot (default ${DEFAULT_LIMITS.maxQueue})
  --plugin FILE          custom plugins whose charts to show, also given to runs started
                         from the dashboard (repeatable)
  -h, --help             this help

Example:
  deno task lens serve --db runs.db --port 8787 --data-dir ./data
`;

/** Runs `lens serve` until Ctrl-C / SIGTERM. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseFlags("serve", args, {
    port: { type: "string" },
    host: { type: "string" },
    db: { type: "string" },
    token: { type: "string" },
    "allow-host": { type: "string", multiple: true },
    "data-dir": { type: "string" },
    "max-seeds": { type: "string" },
    "max-epoch-samples": { type: "string" },
    "max-runs": { type: "string" },
    "max-queue": { type: "string" },
    plugin: { type: "string", multiple: true },
  }, { min: 0, max: 0, names: "" });
  const port = intFlag("serve", "port", values.port, 0, 65535) ?? 8787;
  const limits = {
    maxSeeds: intFlag("serve", "max-seeds", values["max-seeds"], 1),
    maxEpochSamples: intFlag("serve", "max-epoch-samples", values["max-epoch-samples"], 1),
    maxRuns: intFlag("serve", "max-runs", values["max-runs"], 1, 1000),
    maxQueue: intFlag("serve", "max-queue", values["max-queue"], 0, 100000),
  };
  const pluginFiles = listFlag(values.plugin);
  const builtinIds = new Set(builtinPlugins().map((p) => p.id));
  const custom = (await loadRegistry(pluginFiles)).list()
    .filter((p) => !builtinIds.has(p.id));
  const { serve } = await import("../server/serve.ts");
  const server = await serve({
    port,
    host: typeof values.host === "string" ? values.host : undefined,
    dbPath: dbPath(values.db),
    token: typeof values.token === "string" ? values.token : undefined,
    allowHosts: listFlag(values["allow-host"]),
    dataDir: typeof values["data-dir"] === "string" ? values["data-dir"] : undefined,
    limits: Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
    plugins: custom,
    pluginFiles,
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
