/**
 * Starts runs for the server as child processes of the CLI
 * (`LAYERLENS_DB=<db> deno run -A cli/main.ts run <config> --run-id <id> --quiet`,
 * plus `--plugin F` for each custom plugin file the server was given), so
 * training never blocks the server. A child that fails before or without
 * finishing its run has the failure written to the store with the tail of
 * its stderr, so the dashboard shows why. Stopping a run sends its child
 * SIGINT (the CLI marks the run interrupted and keeps what it wrote), then
 * SIGKILL if it has not ended 20 s later.
 *
 * @module
 */
import { DB_ENV } from "../core/store/db_env.ts";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "../deps/yaml.ts";
import { errorMessage } from "../core/errors.ts";
import { recordRunEnd } from "../core/run_session.ts";
import type { Store } from "../core/types.ts";
import type { RunHandle, SpawnRun } from "./context.ts";

/** A spawner and a way to stop what it started. */
export interface RunSpawner {
  spawn: SpawnRun;
  /** Children still running. */
  running(): number;
  /** Terminates every child still running (SIGTERM) and waits for it. */
  stopAll(): Promise<void>;
}

const CLI = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

/** How long a stopped child has to end before it is killed. */
const STOP_GRACE_MS = 20000;

/** Keeps the last `max` characters of a byte stream. */
async function tail(stream: ReadableStream<Uint8Array>, max = 4000): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    text = (text + decoder.decode(chunk, { stream: true })).slice(-max);
  }
  return text;
}

/** The config's `name`, when the text parses (for the row of a run that never started). */
export function configName(configYaml: string): string | undefined {
  try {
    const name = (parse(configYaml) as { name?: unknown } | null)?.name;
    return typeof name === "string" && name ? name : undefined;
  } catch {
    return undefined; // the server validated it before; the name is only cosmetic here
  }
}

/**
 * A spawner writing to `dbPath`; failures are recorded through `store`
 * (the server's handle on the same database). `plugins`: custom plugin
 * files handed to every child.
 */
export function createRunSpawner(
  opts: { store: Store; dbPath: string; plugins?: readonly string[] },
): RunSpawner {
  const children = new Map<string, Deno.ChildProcess>();
  const done = new Set<Promise<void>>();
  const pluginArgs = (opts.plugins ?? []).flatMap((p) => ["--plugin", resolve(p)]);
  const spawn = async (configYaml: string, runId: string): Promise<RunHandle> => {
    const dir = await Deno.makeTempDir({ prefix: "layerlens-run-" });
    const file = join(dir, "config.yaml");
    await Deno.writeTextFile(file, configYaml);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        CLI,
        "run",
        file,
        "--run-id",
        runId,
        "--quiet",
        ...pluginArgs,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      // the store goes by environment, not argv: a password in a postgres URL stays out of `ps`
      env: { NO_COLOR: "1", [DB_ENV]: opts.dbPath },
    }).spawn();
    const name = configName(configYaml) ?? runId;
    children.set(runId, child);
    let stopRequested = false;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const finished = (async () => {
      const [status, raw] = await Promise.all([child.status, tail(child.stderr)]);
      clearTimeout(killTimer);
      // deno-lint-ignore no-control-regex
      const err = raw.replace(/\x1b\[[0-9;]*m/g, "");
      children.delete(runId);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      try {
        if (stopRequested && !status.success) {
          recordRunEnd(opts.store, runId, name, "interrupted", "stopped from the dashboard");
        } else if (!status.success) {
          const why = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
          recordRunEnd(
            opts.store,
            runId,
            name,
            "failed",
            `run process ended with ${why}: ${err.trim()}`,
          );
        } else if (!opts.store.getRun(runId)) {
          recordRunEnd(
            opts.store,
            runId,
            name,
            "failed",
            `run process exited without creating the run ${err}`,
          );
        }
      } catch (e) {
        console.error(
          `layerlens server: could not record the end of run ${runId}: ${errorMessage(e)}`,
        );
      }
    })();
    done.add(finished);
    finished.finally(() => done.delete(finished));
    return {
      done: finished,
      stop() {
        if (stopRequested) return;
        stopRequested = true;
        try {
          child.kill("SIGINT");
        } catch {
          return; // already exited
        }
        killTimer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch {
            // exited meanwhile
          }
        }, STOP_GRACE_MS);
      },
    };
  };
  return {
    spawn,
    running: () => children.size,
    async stopAll() {
      for (const child of children.values()) {
        try {
          child.kill("SIGTERM");
        } catch {
          // already exited
        }
      }
      await Promise.all([...done]);
    },
  };
}
