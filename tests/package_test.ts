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
  libraryFiles,
  npmPins,
  pinRepository,
  pinResolveSpecifier,
  pinSpecifier,
} from "../tools/pin_imports.ts";
import { TISHBY12_LABELS_HEX } from "../core/data/tishby12_labels.ts";

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

/** Serves the repository over HTTP on loopback (TypeScript as TypeScript), until closed. */
function serveRepository(): { url: string; close: () => Promise<void> } {
  const types: Record<string, string> = { ts: "application/typescript", js: "text/javascript" };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.split("/").includes("..")) return new Response("no", { status: 400 });
    try {
      const body = await Deno.readFile(join(ROOT, path));
      const ext = path.slice(path.lastIndexOf(".") + 1);
      return new Response(body, {
        headers: { "content-type": types[ext] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    close: () => server.shutdown(),
  };
}

/** Copies examples/run_script.ts into a fresh folder, importing mod.ts from `modUrl`, and runs it. */
async function runScriptElsewhere(modUrl: string, extraArgs: string[] = []): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "layerlens-outside-"));
  try {
    const script = readFileSync(join(ROOT, "examples", "run_script.ts"), "utf8");
    assert.match(script, /from "\.\.\/mod\.ts"/);
    writeFileSync(
      join(dir, "run_script.ts"),
      script.replace('"../mod.ts"', JSON.stringify(modUrl)),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...extraArgs, "run_script.ts", "runs.db"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `exit ${out.code}\n${stdout}\n${stderr}`);
    // (a script without a deno.json may see Deno's note on core-js's skipped install script)
    assert.doesNotMatch(stderr, /not a dependency|^error:/im, stderr);
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The run line and the information-plane rows the script prints, checked against the task's bounds. */
function checkScriptOutput(stdout: string): void {
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
}

Deno.test("examples/run_script.ts runs from another folder, importing mod.ts by file URL, without config", async () => {
  checkScriptOutput(await runScriptElsewhere(new URL("../mod.ts", import.meta.url).href));
});

Deno.test("examples/run_script.ts runs importing mod.ts over HTTP: nothing is read beside the source", async () => {
  const server = serveRepository();
  try {
    // --reload: the port is new each time, but never trust a cached copy of this tree
    const stdout = await runScriptElsewhere(`${server.url}mod.ts`, [`--reload=${server.url}`]);
    checkScriptOutput(stdout);
  } finally {
    await server.close();
  }
});

Deno.test("the embedded 12-bit labels are data/var_u_labels.hex", () => {
  const file = readFileSync(join(ROOT, "data", "var_u_labels.hex"), "utf8").replace(/\s+/g, "");
  assert.equal(TISHBY12_LABELS_HEX, file);
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

Deno.test("the README's `deno install` line makes a working `lens` command", async () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const line = readme.match(/^deno install -g (.*) "\$PWD\/cli\/main\.ts"/m);
  assert.ok(line, 'README shows `deno install -g ... "$PWD/cli/main.ts"`');
  const flags = line[1].split(/\s+/);
  assert.deepEqual(flags.slice(-2), ["-n", "lens"]);
  const root = mkdtempSync(join(tmpdir(), "layerlens-install-"));
  try {
    const install = await new Deno.Command(Deno.execPath(), {
      args: ["install", "-g", ...flags, "--root", root, join(ROOT, "cli", "main.ts")],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(install.code, 0, new TextDecoder().decode(install.stderr));
    // the shim runs `deno` from PATH, as after `npm install -g deno@2.9.5`
    const out = await new Deno.Command(join(root, "bin", "lens"), {
      args: ["mi", "--help"],
      cwd: tmpdir(),
      env: { PATH: `${join(Deno.execPath(), "..")}:/usr/bin:/bin`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(stdout, /^lens mi --x X\.npy --y Y\.npy/);
    assert.equal(new TextDecoder().decode(out.stderr), "");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

Deno.test("no source file reads from node_modules/ (there is none: nodeModulesDir none)", () => {
  const offenders = libraryFiles(ROOT).filter((f) =>
    /["'`][^"'`\n]*node_modules\//.test(readFileSync(join(ROOT, f), "utf8"))
  );
  assert.deepEqual(
    offenders,
    [],
    'find a package\'s files with import.meta.resolve("pkg/file") (pinned to npm:pkg@version ' +
      "by tools/pin_imports.ts), e.g. core/backend.ts's WASM_DIR",
  );
});
