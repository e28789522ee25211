/**
 * The launcher chain of this process: the ancestors that only exist to
 * start it, such as `npx -y deno@2.9.5 task lens run ...`, which runs
 * `npm exec` (node) -> `sh -c deno task ...` -> `deno task` -> `deno run`.
 * A SIGTERM to the outermost one (npm exec) ends it without telling its
 * children: `deno task` is re-parented and the trainer would go on
 * training. The stop watcher polls the chain and stops the run as for a
 * SIGTERM when any of its processes ends.
 *
 * An ancestor belongs to the chain when its executable is node or deno, or
 * it is a shell running a command string (`sh -c ...`); the walk stops at
 * the first other process (an interactive shell, nohup's caller, a service
 * manager), so a run started from a terminal with `nohup ... &` is not
 * stopped when the terminal closes. Linux only (it reads /proc); elsewhere
 * the chain is empty and only signals stop a run.
 *
 * @module
 */
import process from "node:process";

/** One ancestor: its pid and its start time (clock ticks since boot, tells reuse of a pid). */
export interface ChainLink {
  pid: number;
  start: string;
  /** Its command line, for messages. */
  command: string;
}

const LAUNCHER_EXES = new Set(["node", "nodejs", "deno", "npm", "npx", "bun"]);
const SHELLS = new Set(["sh", "dash", "bash", "zsh", "ash", "busybox"]);

/** The `(ppid, start time)` of a process from /proc/<pid>/stat, or undefined when gone. */
function statOf(pid: number): { ppid: number; start: string; zombie: boolean } | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // "pid (comm) S ppid ..."; comm may hold spaces and ')', so split after the last ')'
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(fields[1]), start: fields[19], zombie: fields[0] === "Z" };
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

/** Whether `pid` is a launcher: node or deno, or a shell given `-c`. */
function isLauncher(pid: number): { yes: boolean; command: string } {
  let exe = "";
  let argv: string[] = [];
  try {
    exe = basename(Deno.readLinkSync(`/proc/${pid}/exe`)).replace(/ \(deleted\)$/, "");
    argv = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").filter(Boolean);
  } catch {
    return { yes: false, command: "" };
  }
  const command = argv.join(" ").slice(0, 120);
  if (LAUNCHER_EXES.has(exe)) return { yes: true, command };
  if (SHELLS.has(exe) && argv[1] === "-c") return { yes: true, command };
  return { yes: false, command };
}

/**
 * The launcher ancestors of process `pid` (default: this one), nearest
 * first; empty off Linux or when the parent is not a launcher.
 */
export function launcherChain(pid: number = Deno.pid, maxDepth = 16): ChainLink[] {
  if (Deno.build.os !== "linux") return [];
  const chain: ChainLink[] = [];
  let parent = pid === Deno.pid ? process.ppid : statOf(pid)?.ppid ?? 0;
  while (parent > 1 && chain.length < maxDepth) {
    const stat = statOf(parent);
    if (!stat) break;
    const l = isLauncher(parent);
    if (!l.yes) break;
    chain.push({ pid: parent, start: stat.start, command: l.command });
    parent = stat.ppid;
  }
  return chain;
}

/** The first link of `chain` whose process has ended (or whose pid now names another one). */
export function endedLink(chain: readonly ChainLink[]): ChainLink | undefined {
  return chain.find((l) => {
    const s = statOf(l.pid);
    return !s || s.zombie || s.start !== l.start;
  });
}
