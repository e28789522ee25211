/**
 * Loaders of the built-in plugins that need no tfjs (the information plane
 * and the IB plugins), one dynamic import each, so that a command which
 * analyses arrays (`lens analyze`) loads only the plugins it names.
 * builtin.ts stays the one list of every built-in plugin; a test checks
 * that each loader here gives the same plugin object as that list.
 *
 * @module
 */
import type { Plugin } from "../core/types.ts";

/** Built-in plugin id -> its loader, for plugins that import no tfjs. */
export const LIGHT_BUILTIN_LOADERS: Record<string, () => Promise<Plugin>> = {
  "mi-binned": async () => (await import("./infoplane/mi_binned_plugin.ts")).miBinnedPlugin,
  "mi-kde": async () => (await import("./infoplane/mi_kde_plugin.ts")).miKdePlugin,
  "grad-snr": async () => (await import("./infoplane/grad_snr_plugin.ts")).gradSnrPlugin,
  "ib-bound": async () => (await import("./ib/bound_plugin.ts")).ibBoundPlugin,
  "ib-consistency": async () => (await import("./ib/consistency_plugin.ts")).ibConsistencyPlugin,
  "phases": async () => (await import("./ib/phases_plugin.ts")).phasesPlugin,
};

/**
 * The plugins `ids` and every plugin they require, loaded one by one; or
 * `undefined` when one of them has no loader here (the caller then takes
 * the full built-in list, whose registry also names unknown ids).
 *
 * @example
 * ```ts
 * const plugins = await loadLightBuiltins(["phases"]); // phases, grad-snr, mi-binned
 * ```
 */
export async function loadLightBuiltins(ids: string[]): Promise<Plugin[] | undefined> {
  const loaded = new Map<string, Plugin>();
  const todo = [...ids];
  while (todo.length) {
    const id = todo.pop()!;
    if (loaded.has(id)) continue;
    const load = Object.hasOwn(LIGHT_BUILTIN_LOADERS, id) ? LIGHT_BUILTIN_LOADERS[id] : undefined;
    if (!load) return undefined;
    const plugin = await load();
    loaded.set(id, plugin);
    todo.push(...(plugin.requires ?? []));
  }
  return [...loaded.values()];
}
