/**
 * The plugins that ship with layerlens. Each family adds its plugin objects
 * here; nothing else in the core knows their names.
 *
 * @module
 */
import type { Plugin } from "../core/types.ts";

/** Every built-in plugin, in no particular order (the registry orders by dependency). */
export function builtinPlugins(): Plugin[] {
  return [];
}
