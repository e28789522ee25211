/**
 * Input-file hashes of imported runs: sha256File agrees with coreutils'
 * sha256sum (an independent implementation) on a file larger than one read (8 MiB)
 * chunk, and fileHashes keys by base name unless two files share one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileHashes, sha256File } from "../cli/file_hash.ts";

Deno.test("sha256 of input files: as sha256sum computes it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-hash-" });
  try {
    const a = join(dir, "a.npy");
    const bytes = new Uint8Array(9_000_000).map((_, i) => (i * 7919) % 251);
    await Deno.writeFile(a, bytes);
    await Deno.mkdir(join(dir, "sub"));
    const b = join(dir, "sub", "a.npy");
    await Deno.writeTextFile(b, "other");
    const sum = async (p: string) =>
      new TextDecoder().decode(
        (await new Deno.Command("sha256sum", { args: [p], stdout: "piped" }).output()).stdout,
      ).split(" ")[0];
    assert.equal(await sha256File(a), await sum(a));
    assert.deepEqual(await fileHashes([a, a]), { "a.npy": await sum(a) });
    assert.deepEqual(await fileHashes([a, b]), { [a]: await sum(a), [b]: await sum(b) });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
