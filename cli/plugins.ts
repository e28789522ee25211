/**
 * `lens plugins`: what every plugin consumes, requires, emits, and its options.
 *
 * @module
 */
import { optionKey } from "../core/registry.ts";
import type { Plugin } from "../core/types.ts";
import { choiceFlag, listFlag, parseFlags } from "./args.ts";
import { loadRegistry } from "./load_plugins.ts";
import { writeStdout } from "./records_output.ts";

/** Help text of `lens plugins`. */
export const HELP = `lens plugins [options]

Lists the plugins a config can use: id, description, the hook events each
consumes, the plugins it requires (they run first and are added when not
listed), the metrics it emits, and its options with type, default and
meaning.

Options:
  --plugin FILE   also load custom plugins from a .ts/.js file (repeatable)
  --format F      text (default) or json
  -h, --help      this help

Example:
  deno task lens plugins
  deno task lens plugins --plugin ./examples/my_metric.ts --format json
`;

/** A plugin's description as plain data (what `--format json` prints). */
export function describePlugin(p: Plugin): Record<string, unknown> {
  return {
    id: p.id,
    description: p.description,
    consumes: [...p.consumes],
    requires: [...(p.requires ?? [])],
    emits: p.emits.map((m) => ({ ...m })),
    options: Object.fromEntries(
      Object.entries(p.options).map(([k, o]) => [optionKey(k), { ...o }]),
    ),
    charts: (p.charts ?? []).map((c) => c.id),
  };
}

function optionLine(name: string, o: Plugin["options"][string]): string {
  const range = o.type === "enum"
    ? ` (${(o.choices ?? []).join(" | ")})`
    : o.min !== undefined || o.max !== undefined
    ? ` [${o.min ?? "-inf"}, ${o.max ?? "inf"}]`
    : "";
  return `    ${name}: ${o.type}${range} = ${JSON.stringify(o.default)}\n        ${o.description}`;
}

/** The text listing of plugins. */
export function formatPlugins(plugins: Plugin[]): string {
  return plugins.map((p) => {
    const lines = [
      `${p.id}`,
      `  ${p.description}`,
      `  consumes: ${p.consumes.join(", ")}`,
    ];
    if (p.requires?.length) lines.push(`  requires: ${p.requires.join(", ")}`);
    lines.push(
      `  emits:    ${p.emits.map((m) => `${m.name}${m.unit ? ` (${m.unit})` : ""}`).join(", ")}`,
    );
    const opts = Object.entries(p.options);
    lines.push(opts.length ? "  options:" : "  options: none");
    for (const [k, o] of opts) lines.push(optionLine(optionKey(k), o));
    return lines.join("\n");
  }).join("\n\n") + "\n";
}

/** Runs `lens plugins`. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseFlags("plugins", args, {
    plugin: { type: "string", multiple: true },
    format: { type: "string" },
  }, { min: 0, max: 0, names: "" });
  const format = choiceFlag("plugins", "format", values.format, ["text", "json"], "text");
  const registry = await loadRegistry(listFlag(values.plugin));
  const plugins = registry.list();
  await writeStdout(
    format === "json"
      ? JSON.stringify(plugins.map(describePlugin), null, 2) + "\n"
      : formatPlugins(plugins),
  );
  return 0;
}
