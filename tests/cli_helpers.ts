/**
 * Shared by the CLI tests: run `lens` (cli/main.ts) as a child process,
 * and a temporary folder that is removed afterwards.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** Absolute path of the CLI entry point. */
export const CLI = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

/** What a `lens` child process did. */
export interface LensResult {
  /** Exit code. */
  code: number;
  /** Everything it wrote to stdout. */
  stdout: string;
  /** Everything it wrote to stderr. */
  stderr: string;
}

/** Runs `deno run -A cli/main.ts ...args` in `cwd` (default: this process's), without colours. */
export async function lens(
  args: string[],
  cwd?: string,
  env: Record<string, string> = {},
): Promise<LensResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  const dec = new TextDecoder();
  // Deno itself says this when parallel tests start deno at once; it is not layerlens output
  const stderr = dec.decode(out.stderr).replace(/^Blocking waiting for file lock[^\n]*\n/gm, "");
  return { code: out.code, stdout: dec.decode(out.stdout), stderr };
}

/** Calls `fn` with a fresh temporary folder and removes it afterwards. */
export async function withDir(
  fn: (dir: string) => Promise<void>,
  prefix = "layerlens-cli-",
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A config that trains for a long time (the 12-bit task, 10^6 epochs), for stop tests. */
export const LONG_CONFIG =
  "training: { epochs: 1000000 }\nschedule: { type: every, every: 1000 }\n";
