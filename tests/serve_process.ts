/**
 * A `lens serve` child process on a free loopback port (the server tests
 * and bench/server_burst.ts): started with `--port 0`, its URL read from
 * the line it prints once it listens; `stop()` sends SIGINT and waits.
 *
 * @module
 */
import { CLI } from "./cli_helpers.ts";

/** A running `lens serve` child. */
export interface ServeProcess {
  /** The dashboard URL, ending in `/`. */
  url: string;
  /** Sends SIGINT and waits for the exit; returns its status and stderr. */
  stop(): Promise<{ status: Deno.CommandStatus; stderr: string }>;
}

/** Starts `lens serve --port 0 ...args` (with the CLI at `cli`) and waits until it listens. */
export async function startServe(args: string[], cli: string = CLI): Promise<ServeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, "serve", "--port", "0", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const errText = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!/http:\/\/\S+\//.test(out)) {
    const { value, done } = await reader.read();
    if (done) {
      await child.status;
      throw new Error(`serve ended before listening: ${out}${await errText}`);
    }
    out += value;
  }
  const drain = (async () => {
    while (!(await reader.read()).done) { /* keep the pipe flowing */ }
  })();
  return {
    url: /http:\/\/\S+\//.exec(out)![0],
    async stop() {
      try {
        child.kill("SIGINT");
      } catch {
        // already exited
      }
      const status = await child.status;
      await drain;
      return { status, stderr: await errText };
    },
  };
}
