/**
 * The library resolves without this repository's deno.json: no library file
 * imports a bare npm specifier, and the generated `deps/` modules pin the
 * versions of deno.json "imports" (tools/pin_imports.ts).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { depsFileName, npmPins, pinRepository, pinSpecifier } from "../tools/pin_imports.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

Deno.test("every library import is pinned and every deps module matches deno.json", () => {
  const r = pinRepository(ROOT, false);
  assert.deepEqual(
    r,
    { rewritten: [], written: [], removed: [] },
    "run deno run -A tools/pin_imports.ts",
  );
});

Deno.test("pinSpecifier maps names and subpaths, and leaves the rest alone", () => {
  const pins = npmPins({
    "hono": "npm:hono@4.13.19",
    "@tensorflow/tfjs": "npm:@tensorflow/tfjs@4.22.0",
    "@tensorflow/tfjs-core": "npm:@tensorflow/tfjs-core@4.22.0",
    "local/": "./local/",
  });
  assert.equal(pinSpecifier("hono", pins), "npm:hono@4.13.19");
  assert.equal(pinSpecifier("hono/streaming", pins), "npm:hono@4.13.19/streaming");
  assert.equal(pinSpecifier("@tensorflow/tfjs-core", pins), "npm:@tensorflow/tfjs-core@4.22.0");
  assert.equal(pinSpecifier("@tensorflow/tfjs", pins), "npm:@tensorflow/tfjs@4.22.0");
  assert.equal(pinSpecifier("honorific", pins), null);
  assert.equal(pinSpecifier("node:fs", pins), null);
  assert.equal(pinSpecifier("./hono.ts", pins), null);
  assert.equal(depsFileName("@tensorflow/tfjs-core"), "tensorflow_tfjs_core.ts");
  assert.equal(depsFileName("hono/utils/http-status"), "hono_utils_http_status.ts");
});

Deno.test("pinRepository rewrites a small repository once, then finds nothing to do", () => {
  const root = mkdtempSync(join(tmpdir(), "layerlens-pin-"));
  try {
    writeFileSync(
      join(root, "deno.json"),
      JSON.stringify({ imports: { "yaml": "npm:yaml@2.9.1", "pg": "npm:pg@8.23.1" } }),
    );
    mkdirSync(join(root, "core", "store"), { recursive: true });
    writeFileSync(
      join(root, "core", "store", "a.ts"),
      'import pg from "pg";\nimport { parse } from "yaml";\nexport { pg, parse };\n' +
        'const later = () => import("yaml");\nimport "./b.ts";\n',
    );
    writeFileSync(join(root, "mod.ts"), 'export { stringify } from "yaml";\n');
    const first = pinRepository(root, true);
    assert.deepEqual(first.rewritten, ["mod.ts", "core/store/a.ts"]);
    assert.deepEqual(first.written, ["deps/pg.ts", "deps/yaml.ts"]);
    assert.equal(
      readFileSync(join(root, "core", "store", "a.ts"), "utf8"),
      'import pg from "../../deps/pg.ts";\nimport { parse } from "../../deps/yaml.ts";\n' +
        'export { pg, parse };\nconst later = () => import("../../deps/yaml.ts");\n' +
        'import "./b.ts";\n',
    );
    assert.equal(
      readFileSync(join(root, "mod.ts"), "utf8"),
      'export { stringify } from "./deps/yaml.ts";\n',
    );
    const pgText = readFileSync(join(root, "deps", "pg.ts"), "utf8");
    assert.match(pgText, /^export \* from "npm:pg@8\.23\.1";$/m);
    assert.match(pgText, /^export \{ default \} from "npm:pg@8\.23\.1";$/m);
    assert.doesNotMatch(readFileSync(join(root, "deps", "yaml.ts"), "utf8"), /default/);
    assert.deepEqual(pinRepository(root, true), { rewritten: [], written: [], removed: [] });

    // a version bump in deno.json rewrites the deps module; an unused one is removed
    writeFileSync(
      join(root, "deno.json"),
      JSON.stringify({ imports: { "yaml": "npm:yaml@2.9.2", "pg": "npm:pg@8.23.1" } }),
    );
    writeFileSync(
      join(root, "core", "store", "a.ts"),
      'import { parse } from "../../deps/yaml.ts";\n',
    );
    const bump = pinRepository(root, true);
    assert.deepEqual(bump, { rewritten: [], written: ["deps/yaml.ts"], removed: ["deps/pg.ts"] });
    assert.match(readFileSync(join(root, "deps", "yaml.ts"), "utf8"), /npm:yaml@2\.9\.2/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
