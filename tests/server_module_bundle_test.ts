/**
 * The page modules as one script (server/module_bundle.ts): the bundle of
 * a small module set evaluates to what the modules compute, the
 * dashboard's own modules bundle into a script that parses, and the forms
 * the bundler cannot keep apart are refused with their file and line.
 */
import assert from "node:assert/strict";
import { bundleModules, parseModule, resolveModule } from "../server/module_bundle.ts";

/** Bundles `files` (path -> text) from `entry` and evaluates it; returns the entry's exports. */
async function run(files: Record<string, string>, entry: string): Promise<Record<string, unknown>> {
  const root = new URL("file:///virtual/static/");
  const js = await bundleModules(root, entry, (url) => {
    const path = url.pathname.slice(root.pathname.length);
    if (!(path in files)) return Promise.reject(new Deno.errors.NotFound(path));
    return Promise.resolve(files[path]);
  });
  const last = js.split("\n").filter((l) => l.startsWith("const __m")).length - 1;
  return new Function(`${js}\nreturn __m${last};`)() as Record<string, unknown>;
}

Deno.test("module bundle: imports bound across modules, renamed, shared once, in dependency order", async () => {
  const out = await run({
    "util/num.js": "export const BASE = 40;\nexport function twice(x) {\n  return 2 * x;\n}\n",
    "util/count.js": "let n = 0;\nexport function tick() {\n  return ++n;\n}\n",
    "a.js": 'import { twice as dbl, BASE } from "./util/num.js";\n' +
      'import { tick } from "./util/count.js";\nexport const A = dbl(BASE) + tick();\n',
    "pages/b.js": 'import { A } from "../a.js";\nimport { tick } from "../util/count.js";\n' +
      "export async function b() {\n  return A + tick();\n}\n",
    "app.js": 'import { b } from "./pages/b.js";\nexport const main = b;\n',
  }, "app.js");
  // count.js is one module shared by a.js and b.js: its counter goes 1, then 2
  assert.equal(await (out.main as () => Promise<number>)(), 80 + 1 + 2);
});

Deno.test("module bundle: the dashboard's modules make one script that parses", async () => {
  const js = await bundleModules(new URL("../server/static/", import.meta.url), "app.js");
  const mods = js.split("\n").filter((l) => l.startsWith("// ---- ")).map((l) => l.slice(8));
  assert.equal(mods[mods.length - 1], "app.js");
  for (const m of ["pages/run.js", "pages/compare.js", "chart_card.js", "chart_lib.js"]) {
    assert.ok(mods.includes(m), m);
  }
  // dependencies first: api.js before every page
  assert.ok(mods.indexOf("api.js") < mods.indexOf("pages/run.js"));
  new Function(js); // a syntax error throws here
  assert.ok(!/^\s*(import|export)\s/m.test(js));
});

Deno.test("module bundle: forms it cannot keep apart are refused with file and line", async () => {
  assert.throws(
    () => parseModule("x.js", "const a = 1;\nexport default a;\n"),
    /x\.js:2: unsupported export/,
  );
  assert.throws(
    () => parseModule("x.js", 'import * as m from "./m.js";\n'),
    /x\.js:1: unsupported import/,
  );
  assert.throws(() => parseModule("x.js", "export let a = 1;\n"), /unsupported export/);
  assert.throws(() => parseModule("x.js", 'const m = await import("./m.js");\n'), /dynamic import/);
  assert.equal(resolveModule("pages/run.js", "../api.js"), "api.js");
  assert.equal(resolveModule("pages/run.js", "./compare.js"), "pages/compare.js");
  await assert.rejects(
    run({
      "a.js": 'import { b } from "./b.js";\nexport const a = 1;\n',
      "b.js": 'import { a } from "./a.js";\nexport const b = 2;\n',
    }, "a.js"),
    /import cycle: a\.js -> b\.js -> a\.js/,
  );
  await assert.rejects(
    run({
      "a.js": 'import { nope } from "./b.js";\nexport const a = 1;\n',
      "b.js": "export const b = 2;\n",
    }, "a.js"),
    /a\.js:0: imports "nope" from b\.js/,
  );
  await assert.rejects(
    run({ "a.js": 'import { b } from "./b.js";\n' }, "a.js"),
    /imports "b\.js", which does not exist/,
  );
});
