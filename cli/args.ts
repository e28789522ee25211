/**
 * Command-line parsing shared by the commands: node:util parseArgs with
 * errors turned into usage errors (exit code 2), integer and choice flags,
 * and the run database path.
 *
 * @module
 */
import { DB_ENV } from "../core/store/db_env.ts";
import { checkPostgresUrl, isPostgresUrl } from "../core/store/pg_url.ts";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import { errorMessage, LensError } from "../core/errors.ts";

/** A flag's declaration for node:util parseArgs. */
export interface FlagSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
}

/**
 * The run database used when `--db` is not given and {@link DB_ENV} is not
 * set: `layerlens.db` in the working directory.
 */
export const DEFAULT_DB = "layerlens.db";

/** A usage error: the message plus where to read more. */
export function usageError(command: string, message: string, expected?: string): LensError {
  return new LensError(`${message} (see 'lens ${command} --help')`, {
    code: "usage",
    field: command,
    expected,
  });
}

/** Whether the arguments ask for help. */
export function wantsHelp(args: string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

/**
 * `--flag -1` as `--flag=-1` for string flags, so that a negative number is
 * taken as the flag's value (and then checked like any other) rather than
 * as an unknown option.
 */
function joinDashValues(args: string[], options: Record<string, FlagSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = args[i + 1];
    const spec = a.startsWith("--") ? options[a.slice(2)] : undefined;
    if (spec?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
    if (a === "--") {
      out.push(...args.slice(i + 1));
      break;
    }
  }
  return out;
}

/**
 * Parses `args` strictly: unknown flags, missing values and a positional
 * count outside `[min, max]` are usage errors naming the command.
 */
export function parseFlags<T extends Record<string, FlagSpec>>(
  command: string,
  args: string[],
  options: T,
  positionals: { min: number; max: number; names: string },
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinDashValues(args, options),
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const message = errorMessage(e).replace(/\. To specify a positional.*$/s, "")
      .split(/\s*\r?\n\s*/)[0];
    throw usageError(command, message);
  }
  const n = parsed.positionals.length;
  if (n < positionals.min || n > positionals.max) {
    throw usageError(
      command,
      n < positionals.min
        ? `missing ${positionals.names}`
        : `unexpected argument ${JSON.stringify(parsed.positionals[positionals.max])}`,
      positionals.names ? `lens ${command} ${positionals.names}` : `no arguments to ${command}`,
    );
  }
  return {
    values: parsed.values as Record<string, string | boolean | string[] | undefined>,
    positionals: parsed.positionals,
  };
}

/** An integer flag value (undefined when absent); a usage error unless an integer >= min. */
export function intFlag(
  command: string,
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || !/^-?\d+$/.test(value.trim()) || n < min || n > max) {
    throw usageError(
      command,
      `--${name} must be an integer ${
        max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`
      }, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** A flag restricted to `choices` (default when absent). */
export function choiceFlag<C extends string>(
  command: string,
  name: string,
  value: unknown,
  choices: readonly C[],
  def: C,
): C {
  if (value === undefined) return def;
  if (typeof value !== "string" || !choices.includes(value as C)) {
    throw usageError(
      command,
      `--${name} must be one of ${choices.join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  return value as C;
}

/** Values of a repeatable string flag. */
export function listFlag(value: unknown): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/**
 * The `--db` target: a `postgres://` URL as given (checked: a malformed one
 * is a usage error that does not show its password), or a SQLite path made
 * absolute (relative paths against the working directory). Without a value:
 * `$LAYERLENS_DB` ({@link DB_ENV}) when set, else {@link DEFAULT_DB}.
 */
export function dbPath(value: unknown): string {
  const env = Deno.env.get(DB_ENV);
  const p = typeof value === "string" && value !== "" ? value : env ? env : DEFAULT_DB;
  if (isPostgresUrl(p)) {
    checkPostgresUrl(p);
    return p;
  }
  return isAbsolute(p) ? p : resolve(Deno.cwd(), p);
}
