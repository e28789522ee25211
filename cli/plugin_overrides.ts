/**
 * `lens run --set PLUGIN.OPTION=VALUE`: overrides a plugin option of the
 * config from the command line (repeatable). `PLUGIN` is a plugin id of the
 * config, or `*` for every plugin of the config that has the option (e.g.
 * `--set '*.epochs=100'` for every disentangler). VALUE is read as YAML
 * (`100`, `true`, `[1, 2]`, `mean`). The options are then checked by the
 * registry like the config's own.
 *
 * @module
 */
import { parse } from "../deps/yaml.ts";
import { optionKey, type Registry } from "../core/registry.ts";
import type { PluginUse } from "../core/types.ts";
import { usageError } from "./args.ts";

/** One parsed `--set`. */
export interface PluginOverride {
  plugin: string;
  option: string;
  value: unknown;
}

/**
 * Parses `PLUGIN.OPTION=VALUE`.
 *
 * @example
 * ```ts
 * parseOverride("my-metric.epochs=100"); // { plugin: "my-metric", option: "epochs", value: 100 }
 * ```
 */
export function parseOverride(text: string, command = "run"): PluginOverride {
  const m = /^([*a-z0-9-]+)\.([A-Za-z0-9_]+)=(.*)$/s.exec(text);
  if (!m) {
    throw usageError(
      command,
      `--set ${JSON.stringify(text)} is not PLUGIN.OPTION=VALUE`,
      "e.g. --set disentangle.epochs=100 or --set '*.epochs=100'",
    );
  }
  let value: unknown;
  try {
    value = parse(m[3]);
  } catch {
    value = m[3];
  }
  return { plugin: m[1], option: m[2], value: value ?? m[3] };
}

/**
 * Applies the overrides to `plugins` (in place); `*` applies to every
 * plugin of the list whose registered options include the option. A
 * plugin id not in the list, or a `*` that matches nothing, is a usage
 * error unless `allowUnmatched` (a sweep checks across its variants);
 * returns how many plugin entries each override changed.
 */
export function applyOverrides(
  plugins: PluginUse[],
  overrides: PluginOverride[],
  registry: Registry,
  command = "run",
  allowUnmatched = false,
): number[] {
  return overrides.map((o) => {
    const key = optionKey(o.option);
    const targets = o.plugin === "*"
      ? plugins.filter((p) =>
        Object.keys(registry.get(p.id)?.options ?? {}).some((k) => optionKey(k) === key)
      )
      : plugins.filter((p) => p.id === o.plugin);
    if (!targets.length && !allowUnmatched) {
      throw unmatched(o, plugins, command);
    }
    // one spelling per option: the override replaces the option however the config wrote it
    for (const p of targets) {
      const kept = Object.entries(p.options ?? {}).filter(([k]) => optionKey(k) !== key);
      p.options = { ...Object.fromEntries(kept), [key]: o.value };
    }
    return targets.length;
  });
}

/** The usage error for an override that matches no plugin of `plugins`. */
export function unmatched(o: PluginOverride, plugins: PluginUse[], command: string): Error {
  // analyze takes its plugins from --plugins, the other commands from a config
  const [list, has] = command === "analyze"
    ? ["--plugins", "--plugins has"]
    : ["the config", "the config has"];
  return usageError(
    command,
    o.plugin === "*"
      ? `--set *.${o.option}: no plugin of ${list} has the option "${o.option}"`
      : `--set ${o.plugin}.${o.option}: ${has} no plugin "${o.plugin}" ` +
        `(it has ${plugins.map((p) => p.id).join(", ") || "none"})`,
  );
}
