/**
 * The `lens` command line: `deno task lens <command> [options]`
 * (`deno run -A cli/main.ts ...`). One module per command, loaded when
 * used. Exit codes: 0 ok, 2 usage / config / data errors (one line, no
 * stack trace), 1 unexpected errors (one line; `--debug`, accepted anywhere
 * on the line, adds the stack trace), 130 a run stopped by Ctrl-C (SIGINT),
 * 143 one stopped by SIGTERM.
 *
 * @module
 */
import { errorMessage, LensError } from "../core/errors.ts";
import { wantsHelp } from "./args.ts";

/** What a command module exports. */
export interface CommandModule {
  /** The command's `--help` text: usage, flags and an example. */
  HELP: string;
  /** Runs the command on its arguments (the command name excluded); resolves to the exit code. */
  main(args: string[]): Promise<number>;
}

/** The commands, with a one-line summary and a loader. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  run: { summary: "train an experiment from a YAML config", load: () => import("./run.ts") },
  sweep: {
    summary: "train a base config's variants, then a comparison table",
    load: () => import("./sweep.ts"),
  },
  demo: {
    summary: "the 12-bit information-plane protocol, then a table",
    load: () => import("./demo.ts"),
  },
  analyze: {
    summary: "run plugins over activations saved elsewhere (.npz)",
    load: () => import("./analyze.ts"),
  },
  features: {
    summary: "feature complexity of a feature saved elsewhere (.npy / .npz)",
    load: () => import("./features.ts"),
  },
  mi: {
    summary: "mutual information between two .npy arrays (ksg, binned, kde, noisy)",
    load: () => import("./mi.ts"),
  },
  plugins: {
    summary: "list plugins, their metrics and options",
    load: () => import("./plugins.ts"),
  },
  runs: { summary: "list the runs in a database", load: () => import("./runs.ts") },
  show: { summary: "one run: status, config, timings, table", load: () => import("./show.ts") },
  import: {
    summary: "copy runs from another store (SQLite or PostgreSQL), ids kept",
    load: () => import("./import.ts"),
  },
  export: { summary: "a run's tidy records as CSV or JSON", load: () => import("./export.ts") },
  serve: { summary: "the dashboard and HTTP API", load: () => import("./serve.ts") },
  worker: {
    summary: "take distributed sweep jobs from a redis queue",
    load: () => import("./worker.ts"),
  },
};

/** Help text of `lens` itself. */
export const HELP = `lens: look inside neural networks while they train

Usage: deno task lens <command> [options]      (deno run -A cli/main.ts ...)

Commands:
${Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(9)}${c.summary}`).join("\n")}

'deno task lens <command> --help' explains a command, its flags and an example.
--debug (any command) prints the stack trace of an unexpected error.

Example:
  deno task demo
  deno task lens run examples/tishby12_tanh.yaml --seeds 3
  deno task lens sweep examples/sweep_depth.yaml --epochs 3000 --seeds 3
  deno task lens show latest
  deno task lens serve
`;

/** The line printed for an error that escaped a command, with its stack when `debug`. */
export function errorReport(e: unknown, debug: boolean): { line: string; code: number } {
  if (e instanceof LensError) {
    return { line: `error: ${debug ? e.stack ?? e.message : oneLine(e.message)}`, code: 2 };
  }
  if (isFileSystemError(e)) {
    // a path the user gave that cannot be written or read (missing folder, no permission)
    return { line: `error: ${debug ? e.stack ?? e.message : oneLine(e.message)}`, code: 2 };
  }
  if (debug) {
    return {
      line: `unexpected error: ${e instanceof Error ? e.stack ?? e.message : errorMessage(e)}`,
      code: 1,
    };
  }
  return {
    line: `unexpected error: ${
      oneLine(errorMessage(e))
    } (run again with --debug for the stack trace)`,
    code: 1,
  };
}

/** Errors of the file system about a path (its message names the path). */
function isFileSystemError(e: unknown): e is Error {
  const E = Deno.errors;
  return e instanceof E.NotFound || e instanceof E.PermissionDenied ||
    e instanceof E.AlreadyExists || e instanceof E.IsADirectory || e instanceof E.NotADirectory ||
    e instanceof E.NotCapable;
}

/** A message on one line (line breaks become "; "). */
function oneLine(message: string): string {
  return message.trim().split(/\s*\r?\n\s*/).filter(Boolean).join("; ");
}

/** Runs the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const [name, ...args] = argv.filter((a) => a !== "--debug");
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? args[0] : undefined;
    if (topic && COMMANDS[topic]) {
      console.log((await COMMANDS[topic].load()).HELP);
    } else {
      console.log(HELP);
    }
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(
      `error: unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(", ")} ` +
        "(see 'lens --help')",
    );
    return 2;
  }
  try {
    const mod = await command.load();
    if (wantsHelp(args)) {
      console.log(mod.HELP);
      return 0;
    }
    return await mod.main(args);
  } catch (e) {
    const { line, code } = errorReport(e, debug);
    console.error(line);
    return code;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
