/**
 * Reads a plugin's options defensively: the registry validates them against
 * the declared {@link OptionSpec}s, but a plugin used directly (a script, a
 * test) gets whatever it is handed, so each value is checked again here and
 * a bad one named with a {@link LensError} (code `config`).
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import type { OptionSpec } from "../../core/types.ts";

function bad(plugin: string, key: string, got: unknown, expected: string): LensError {
  return new LensError(`${plugin}: option ${key} is ${JSON.stringify(got)}`, {
    code: "config",
    field: `plugins.${plugin}.${key}`,
    expected,
  });
}

/**
 * The value of option `key`, or its declared default when absent, checked
 * against the spec's type, bounds and choices.
 *
 * @example
 * ```ts
 * readOption({ bins: 10 }, "bins", "mi-binned", { type: "integer", default: 30, min: 2, description: "" }); // 10
 * ```
 */
export function readOption(
  options: Record<string, unknown>,
  key: string,
  plugin: string,
  spec: OptionSpec,
): unknown {
  const v = options[key] === undefined ? spec.default : options[key];
  switch (spec.type) {
    case "number":
    case "integer": {
      const isInt = spec.type === "integer";
      if (typeof v !== "number" || !Number.isFinite(v) || (isInt && !Number.isInteger(v))) {
        throw bad(plugin, key, v, isInt ? "an integer" : "a finite number");
      }
      if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
        throw bad(plugin, key, v, `a value in [${spec.min ?? "-inf"}, ${spec.max ?? "inf"}]`);
      }
      return v;
    }
    case "enum":
      if (typeof v !== "string" || !(spec.choices ?? []).includes(v)) {
        throw bad(plugin, key, v, `one of ${(spec.choices ?? []).join(", ")}`);
      }
      return v;
    case "string[]":
      if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
        throw bad(plugin, key, v, "a list of strings");
      }
      return v;
    case "boolean":
      if (typeof v !== "boolean") throw bad(plugin, key, v, "true or false");
      return v;
    default:
      return v;
  }
}

/**
 * Every declared option of a plugin, read with {@link readOption}; unknown
 * keys are rejected.
 *
 * @example
 * ```ts
 * readOptions({ bins: 10 }, "mi-binned", miBinnedPlugin.options).bins; // 10
 * ```
 */
export function readOptions(
  options: Record<string, unknown>,
  plugin: string,
  specs: Record<string, OptionSpec>,
): Record<string, unknown> {
  for (const key of Object.keys(options)) {
    if (!(key in specs)) {
      throw bad(plugin, key, options[key], `one of the options ${Object.keys(specs).join(", ")}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    out[key] = readOption(options, key, plugin, spec);
  }
  return out;
}
