/**
 * How the browser tests (and the dashboard benchmark) start Debian's
 * chromium through playwright-core: headless, sandbox off (containers), no
 * GPU, no background network traffic.
 *
 * @module
 */

/** Debian's chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Command-line flags for a quiet headless chromium. */
export const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
