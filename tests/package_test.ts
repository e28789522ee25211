/**
 * The library resolves without this repository's deno.json: no library file
 * imports a bare npm specifier, and the generated `deps/` modules pin the
 * versions of deps.json (tools/pin_imports.ts).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  depsFileName,
  npmPins,
  pinRepository,
  pinResolveSpecifier,
  pinSpecifier,
} from "../tools/pin_imports.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

Deno.test("every import is pinned and every deps module matches deps.json", () => {
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
      join(root, "deps.json"),
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

    // a version bump in deps.json rewrites the deps module; an unused one is removed
    writeFileSync(
      join(root, "deps.json"),
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

Deno.test("pinResolveSpecifier pins import.meta.resolve literals to npm: specifiers", () => {
  const pins = npmPins({
    "@tensorflow/tfjs-backend-wasm": "npm:@tensorflow/tfjs-backend-wasm@4.22.0",
  });
  assert.equal(
    pinResolveSpecifier("@tensorflow/tfjs-backend-wasm/dist/a.wasm", pins),
    "npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/a.wasm",
  );
  assert.equal(
    pinResolveSpecifier("npm:@tensorflow/tfjs-backend-wasm@4.21.0/dist/a.wasm", pins),
    "npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/a.wasm",
  );
  assert.equal(pinResolveSpecifier("npm:@tensorflow/tfjs-backend-wasm@4.22.0", pins), null);
  assert.equal(pinResolveSpecifier("./x.ts", pins), null);
});

Deno.test("examples/run_script.ts runs from another folder, importing mod.ts by URL, without config", async () => {
  const dir = mkdtempSync(join(tmpdir(), "layerlens-outside-"));
  try {
    const script = readFileSync(join(ROOT, "examples", "run_script.ts"), "utf8");
    const modUrl = new URL("../mod.ts", import.meta.url).href;
    assert.match(script, /from "\.\.\/mod\.ts"/);
    writeFileSync(
      join(dir, "run_script.ts"),
      script.replace('"../mod.ts"', JSON.stringify(modUrl)),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "run_script.ts", "runs.db"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `exit ${out.code}\n${stdout}\n${stderr}`);
    assert.match(stdout, /^run \S+ completed in [\d.]+ s, stored in runs\.db$/m);
    // 300 epochs, log-spaced samples: the table has epochs 0 and 299 and
    // bits within the 12-bit task's bounds (I(X;T) <= 12, I(T;Y) <= H(Y) < 1)
    const rows = stdout.split("\n").filter((l) => /^\s+\d+\s+[\d.]+\s+[\d.]+$/.test(l))
      .map((l) => l.trim().split(/\s+/).map(Number));
    assert.deepEqual([rows[0][0], rows.at(-1)![0]], [0, 299]);
    for (const [, ixt, ity] of rows) {
      assert.ok(ixt > 0 && ixt <= 12, `I(X;T) ${ixt}`);
      assert.ok(ity >= 0 && ity < 1, `I(T;Y) ${ity}`);
    }
    assert.doesNotMatch(stderr, /not a dependency|error/i, stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("deno.json has no import map and deno.lock only what lens runs", () => {
  const lock = JSON.parse(readFileSync(join(ROOT, "deno.lock"), "utf8"));
  const devOnly = ["playwright-core", "chart.js", "chartjs-plugin-zoom", "hammerjs"];
  const found = Object.keys(lock.npm ?? {}).filter((k) =>
    devOnly.includes(k.slice(0, k.lastIndexOf("@")))
  );
  assert.deepEqual(
    found,
    [],
    "deno.lock is the lens tasks' lock file (tests use tests/deno.lock): `git checkout deno.lock`",
  );
  // `deno task` fetches every package of deno.json's import map before any task, one line each
  const config = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
  assert.equal(config.imports, undefined, "npm packages go in deps.json (tools/pin_imports.ts)");
  assert.equal(config.importMap, undefined);
  assert.equal(config.lock, false);
});
