/**
 * The dashboard's bundled files (server/static_bundle.ts,
 * server/vendor_bundle.ts) are those on disk now: a change under
 * server/static/ or a dashboard package version without regenerating fails
 * here, naming the command to run.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  BUNDLE_COMMAND,
  packageDir,
  staleBundles,
  VENDOR_FILES as VENDOR_SOURCES,
} from "../tools/bundle_static.ts";
import { join } from "node:path";
import { STATIC_FILES } from "../server/static_bundle.ts";
import { VENDOR_FILES } from "../server/vendor_bundle.ts";
import { staticText } from "../server/routes/static.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

Deno.test("the dashboard bundles match server/static/ and the pinned npm packages", () => {
  const stale = staleBundles(ROOT).map((s) => s.file);
  assert.deepEqual(stale, [], `${stale.join(", ")} stale: run ${BUNDLE_COMMAND}`);
});

Deno.test("bundled files are byte for byte the files they were made from", () => {
  const index = readFileSync(new URL("../server/static/index.html", import.meta.url), "utf8");
  assert.ok("text" in STATIC_FILES["index.html"]);
  assert.equal(STATIC_FILES["index.html"].text, index);
  assert.ok(Object.keys(STATIC_FILES).includes("pages/run.js"));
  for (const [name, file] of Object.entries(VENDOR_FILES)) {
    const { pkg, file: inPkg } = VENDOR_SOURCES[name];
    assert.equal(file.from, `${pkg}/${inPkg}`);
    const disk = readFileSync(join(packageDir(pkg), inPkg), "utf8");
    assert.ok("text" in file, name);
    assert.equal(file.text.length, disk.length, name);
    assert.equal(file.text, disk, name);
  }
  assert.match((VENDOR_FILES["chart.js"] as { text: string }).text, /Chart\.js v4\.6\.1/);
});

Deno.test("staticText reads bundled files by their server/static/ URL, like readTextFile", async () => {
  const dir = new URL("../server/static/", import.meta.url);
  for (const name of ["app.js", "pages/run.js", "style.css"]) {
    assert.equal(await staticText(new URL(name, dir)), await Deno.readTextFile(new URL(name, dir)));
  }
  await assert.rejects(() => staticText(new URL("nope.js", dir)), Deno.errors.NotFound);
  await assert.rejects(
    () => staticText(new URL("../server/app.ts", import.meta.url)),
    Deno.errors.NotFound,
  );
});
