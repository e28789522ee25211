/**
 * Errors a user can act on. Each carries a stable `code`, and where it
 * applies the file and the field at fault and what was expected.
 *
 * @module
 */

/** What went wrong, where, and what was expected. */
export interface LensErrorDetails {
  /** Stable machine-readable code, e.g. `config`, `data`, `plugin`, `not_found`. */
  code: string;
  /** File at fault, if any. */
  file?: string;
  /** Field (dotted path, e.g. `training.epochs`) or array name at fault. */
  field?: string;
  /** What was expected there. */
  expected?: string;
}

/**
 * An error whose message a user can act on.
 *
 * @example
 * ```ts
 * throw new LensError("must be a positive integer, got -3", {
 *   code: "config", file: "run.yaml", field: "training.epochs", expected: "integer >= 1",
 * });
 * ```
 */
export class LensError extends Error {
  /** Stable machine-readable code, e.g. `config`, `data`, `plugin`, `not_found`. */
  readonly code: string;
  /** File at fault, if any. */
  readonly file?: string;
  /** Field (dotted path) or array name at fault, if any. */
  readonly field?: string;
  /** What was expected there, if known. */
  readonly expected?: string;

  /** Builds the message as `file: field: message (expected ...)` from the parts given. */
  constructor(message: string, details: LensErrorDetails) {
    const where = [details.file, details.field].filter(Boolean).join(": ");
    const expected = details.expected ? ` (expected ${details.expected})` : "";
    super(where ? `${where}: ${message}${expected}` : `${message}${expected}`);
    this.name = "LensError";
    this.code = details.code;
    this.file = details.file;
    this.field = details.field;
    this.expected = details.expected;
  }
}

/** Message of any thrown value, without losing non-Error throws. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
