/**
 * The registry a command works with: the built-in plugins plus custom ones
 * from `--plugin ./file.ts` flags.
 *
 * @module
 */
import { createRegistry, type Registry } from "../core/registry.ts";
import { builtinPlugins } from "../plugins/builtin.ts";

/** A registry of the built-in plugins and those exported by `files`. */
export async function loadRegistry(files: string[]): Promise<Registry> {
  const registry = createRegistry(builtinPlugins());
  for (const f of files) await registry.loadFile(f);
  return registry;
}
