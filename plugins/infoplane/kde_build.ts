/**
 * Builds the KDE pair kernel from kde_simd.as with the AssemblyScript
 * compiler (core/train/fused/fused_mlp_build.ts does the compiling) and writes
 * kde_simd_wasm.ts (the bytes as base64, so the kernel loads without file
 * permissions).
 *
 *   deno run -A plugins/infoplane/kde_build.ts [--check]
 *
 * `--check` fails when the committed module differs from a fresh build.
 *
 * @module
 */
import { buildKernel, wasmModuleText } from "../../core/train/fused/fused_mlp_build.ts";

const here = new URL(".", import.meta.url);
const tsOut = new URL("kde_simd_wasm.ts", here);

/** The generated module's text for a fresh build. */
export async function buildKdeModule(): Promise<string> {
  const bytes = await buildKernel(new URL("kde_simd.as", here));
  return wasmModuleText(bytes, {
    generator: "plugins/infoplane/kde_build.ts",
    source: "kde_simd.as",
    constant: "KDE_WASM_BASE64",
    doc: "The compiled KDE pair kernel (kde_simd.as), base64.",
  });
}

if (import.meta.main) {
  const text = await buildKdeModule();
  if (Deno.args.includes("--check")) {
    if ((await Deno.readTextFile(tsOut)) !== text) {
      console.error("kde_simd_wasm.ts is stale: run deno run -A plugins/infoplane/kde_build.ts");
      Deno.exit(1);
    }
    console.log("kde_simd_wasm.ts is up to date");
  } else {
    await Deno.writeTextFile(tsOut, text);
    console.log("wrote kde_simd_wasm.ts");
  }
}
