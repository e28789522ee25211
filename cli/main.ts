/**
 * The `lens` command line: `deno task lens <command> [options]`
 * (`deno run -A cli/main.ts ...`). One module per command, loaded when
 * used. Exit codes: 0 ok, 2 usage / config / data errors (a message, no
 * stack trace), 1 unexpected errors, 130 a run stopped by Ctrl-C.
 *
 * @module
 */
import { errorMessage, LensError } from "../core/errors.ts";
import { wantsHelp } from "./args.ts";

/** What a command module exports. */
export interface CommandModule {
  HELP: string;
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
  export: { summary: "a run's tidy records as CSV or JSON", load: () => import("./export.ts") },
  serve: { summary: "the dashboard and HTTP API", load: () => import("./serve.ts") },
};

/** Help text of `lens` itself. */
export const HELP = `lens: look inside neural networks while they train

Usage: deno task lens <command> [options]      (deno run -A cli/main.ts ...)

Commands:
${Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(9)}${c.summary}`).join("\n")}

'deno task lens <command> --help' explains a command, its flags and an example.

Example:
  deno task demo
  deno task lens run examples/tishby12_tanh.yaml --seeds 3
  deno task lens sweep examples/sweep_depth.yaml --epochs 3000 --seeds 3
  deno task lens show latest
  deno task lens serve
`;

/** Runs the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
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
    if (e instanceof LensError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    console.error(
      `unexpected error: ${e instanceof Error ? e.stack ?? e.message : errorMessage(e)}`,
    );
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
