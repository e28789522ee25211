/**
 * Plugins with typed options. A plugin declares each option once, as an
 * {@link OptionSpec} (type, default, range, choices, description); from
 * that one declaration come validation and defaults (registry.ts), the
 * listing of `lens plugins`, the dashboard's run form, and, through
 * {@link definePlugin}, the TypeScript type of the options its `setup`
 * receives. `setup` always gets validated options with defaults filled,
 * also when a script calls it directly.
 *
 * @module
 */
import { validateOptions } from "./registry.ts";
import type { OptionSpec, Plugin, PluginContext, PluginInstance } from "./types.ts";

/** The TypeScript type of the value of an option declared by `S`. */
export type OptionValue<S extends OptionSpec> = S["type"] extends "number" | "integer" ? number
  : S["type"] extends "boolean" ? boolean
  : S["type"] extends "string" ? string
  : S["type"] extends "enum" ? (S["choices"] extends readonly (infer C)[] ? C : string)
  : S["type"] extends "number[]" ? number[]
  : S["type"] extends "string[]" ? string[]
  : unknown;

/** The options object a plugin declaring `O` receives: one typed field per option. */
export type OptionValues<O extends Record<string, OptionSpec>> = {
  -readonly [K in keyof O]: OptionValue<O[K]>;
};

/**
 * A table of option declarations shared by a family of plugins, typed as
 * {@link definePlugin} types a plugin's own: spread it into `options`, and
 * name its values `OptionValues<typeof TABLE>`.
 *
 * @example
 * ```ts
 * export const SHARED = defineOptions({
 *   seed: { type: "integer", default: 0, description: "seed" },
 * });
 * function seedOf(o: OptionValues<typeof SHARED>): number {
 *   return o.seed; // a number
 * }
 * ```
 */
export function defineOptions<const O extends Record<string, OptionSpec>>(specs: O): O {
  return specs;
}

/**
 * `raw` checked against the declarations `specs` with defaults filled, as
 * {@link definePlugin}'s `setup` receives them; errors name `owner`'s
 * options.
 */
export function readOptions<O extends Record<string, OptionSpec>>(
  owner: string,
  specs: O,
  raw: Record<string, unknown>,
): OptionValues<O> {
  return validateOptions({ id: owner, options: specs }, raw) as OptionValues<O>;
}

/** A plugin whose `setup` takes options typed from its declarations `O`. */
export interface PluginDefinition<O extends Record<string, OptionSpec>>
  extends Omit<Plugin, "options" | "setup"> {
  /** The options, declared once. */
  options: O;
  /** Creates an instance for one run from validated, typed options. */
  setup(ctx: PluginContext, options: OptionValues<O>): PluginInstance | Promise<PluginInstance>;
}

/**
 * A {@link Plugin} from a definition with typed options: `setup` receives
 * the options validated against their specs (defaults filled, snake_case
 * or camelCase keys accepted), typed.
 *
 * @example
 * ```ts
 * export const meanAbs = definePlugin({
 *   id: "mean-abs",
 *   description: "Mean |activation| per layer",
 *   options: {
 *     scale: { type: "number", default: 1, min: 0, description: "multiplies the mean" },
 *     mode: { type: "enum", choices: ["all", "hidden"], default: "all", description: "layers" },
 *   },
 *   consumes: ["activations"],
 *   emits: [{ name: "mean_abs", description: "mean |a|" }],
 *   setup: (ctx, o) => ({ // o.scale: number, o.mode: "all" | "hidden"
 *     activations: (e) => {},
 *   }),
 * });
 * ```
 */
export function definePlugin<const O extends Record<string, OptionSpec>>(
  def: PluginDefinition<O>,
): Plugin {
  const plugin: Plugin = {
    ...def,
    setup: (ctx, raw) => def.setup(ctx, validateOptions(plugin, raw) as OptionValues<O>),
  };
  return plugin;
}
