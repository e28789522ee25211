/**
 * playwright-core for the browser tests, benchmarks and screenshots only.
 * Pinned here rather than in deno.json "imports": Deno installs every package
 * of the import map (and of the lock file) before any command runs, and a
 * browser driver has no place in what `lens` downloads. The test task keeps
 * its own lock file (tests/deno.lock) so that deno.lock stays runtime-only.
 *
 * @module
 */
export * from "npm:playwright-core@1.65.1";
