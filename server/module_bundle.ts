/**
 * The dashboard's browser modules (server/static/*.js) as one script, so a
 * page loads its code in one request instead of one per module (about 20;
 * a browser asks a server at most 6 at a time). A deliberately small
 * bundler for the modules' own plain style, checked on every build:
 * one-line named imports of relative files (`import { a, b as c } from
 * "./x.js";`) and exports declared in place (`export function`, `export
 * const`); anything else (default or re-exports, `import *`, `export let`,
 * import cycles) is refused with the file and line, and the page's tests
 * fail on it. Each module keeps its own scope (a function), its imports
 * bound to the exporting module's values, in dependency order.
 *
 * @example
 * ```ts
 * const js = await bundleModules(new URL("./static/", import.meta.url), "app.js");
 * ```
 *
 * @module
 */
import { LensError } from "../core/errors.ts";

const IMPORT = /^import\s*\{([^}]*)\}\s*from\s*"(\.{1,2}\/[A-Za-z0-9_\-/.]+\.js)";?[ \t]*$/;
const EXPORT = /^export\s+(?:async\s+)?(?:function\*?|const|class)\s+([A-Za-z_$][\w$]*)/;
const IDENT = /^[A-Za-z_$][\w$]*$/;

interface Parsed {
  /** Module path relative to the root, e.g. "pages/run.js". */
  path: string;
  imports: { from: string; names: [string, string][] }[];
  exports: string[];
  /** The body with import lines and `export ` prefixes taken out. */
  body: string;
}

function refuse(path: string, line: number, what: string): never {
  throw new LensError(`${path}:${line}: ${what}`, {
    code: "static",
    file: path,
    expected:
      'one-line named imports of relative .js files and exports declared in place ("export function" / "export const")',
  });
}

/** Joins a relative import onto the importing module's path ("pages/run.js" + "../api.js" = "api.js"). */
export function resolveModule(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const seg of spec.split("/")) {
    if (seg === "." || seg === "") continue;
    if (seg === "..") {
      if (!parts.length) refuse(from, 0, `import "${spec}" leaves the static directory`);
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join("/");
}

/** Reads one module's imports, exports and body. */
export function parseModule(path: string, text: string): Parsed {
  const imports: Parsed["imports"] = [];
  const exports: string[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const n = i + 1;
    if (/^import\b/.test(line)) {
      const m = IMPORT.exec(line);
      if (!m) refuse(path, n, `unsupported import: ${line.slice(0, 80)}`);
      const names = m[1].split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
        const [name, as = name] = s.split(/\s+as\s+/).map((x) => x.trim());
        if (!IDENT.test(name) || !IDENT.test(as)) refuse(path, n, `unsupported import name "${s}"`);
        return [name, as] as [string, string];
      });
      imports.push({ from: resolveModule(path, m[2]), names });
      lines[i] = "";
    } else if (/^export\b/.test(line)) {
      const m = EXPORT.exec(line);
      if (!m) refuse(path, n, `unsupported export: ${line.slice(0, 80)}`);
      exports.push(m[1]);
      lines[i] = line.replace(/^export\s+/, "");
    } else if (/\bimport\s*\(|\bimport\.meta\b/.test(line)) {
      refuse(path, n, "dynamic import or import.meta");
    }
  });
  return { path, imports, exports, body: lines.join("\n") };
}

/**
 * The modules reachable from `entry` (a path under `root`) as one script
 * text, dependencies first. `read` gives a module's text by its path.
 */
export async function bundleModules(
  root: URL,
  entry: string,
  read: (url: URL) => Promise<string> = (url) => Deno.readTextFile(url),
): Promise<string> {
  const parsed = new Map<string, Parsed>();
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = async (path: string, chain: string[]): Promise<void> => {
    if (parsed.has(path) && !visiting.has(path)) return;
    if (visiting.has(path)) {
      refuse(path, 0, `import cycle: ${[...chain, path].join(" -> ")}`);
    }
    visiting.add(path);
    let text: string;
    try {
      text = await read(new URL(path, root));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        refuse(chain[chain.length - 1] ?? path, 0, `imports "${path}", which does not exist`);
      }
      throw e;
    }
    const p = parseModule(path, text);
    parsed.set(path, p);
    for (const imp of p.imports) await visit(imp.from, [...chain, path]);
    visiting.delete(path);
    order.push(path);
  };
  await visit(entry, []);
  const id = new Map(order.map((p, i) => [p, `__m${i}`]));
  const out = [
    "// The dashboard's modules in one script (server/module_bundle.ts): one function scope each.",
  ];
  for (const path of order) {
    const p = parsed.get(path)!;
    const binds = p.imports.map((imp) => {
      const src = parsed.get(imp.from)!;
      for (const [name] of imp.names) {
        if (!src.exports.includes(name)) {
          refuse(path, 0, `imports "${name}" from ${imp.from}, which does not export it`);
        }
      }
      const list = imp.names.map(([name, as]) => (name === as ? name : `${name}: ${as}`));
      return `const { ${list.join(", ")} } = ${id.get(imp.from)};`;
    });
    out.push(
      `// ---- ${path}`,
      `const ${id.get(path)} = (() => {`,
      ...binds,
      p.body,
      `return { ${p.exports.join(", ")} };`,
      "})();",
    );
  }
  return out.join("\n") + "\n";
}
