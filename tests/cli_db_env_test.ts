/**
 * `$LAYERLENS_DB` names the run database when `--db` is not given (how the
 * dashboard hands its store to the runs it starts without putting a
 * postgres password on a command line); `--db` wins over it.
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { dbPath, DEFAULT_DB } from "../cli/args.ts";
import { DB_ENV } from "../core/store/db_env.ts";
import { lens, withDir } from "./cli_helpers.ts";

Deno.test("dbPath: --db, else $LAYERLENS_DB, else ./layerlens.db", () => {
  const before = Deno.env.get(DB_ENV);
  try {
    Deno.env.delete(DB_ENV);
    assert.equal(dbPath(undefined), resolve(Deno.cwd(), DEFAULT_DB));
    Deno.env.set(DB_ENV, "elsewhere/runs.db");
    assert.equal(dbPath(undefined), resolve(Deno.cwd(), "elsewhere/runs.db"));
    assert.equal(dbPath("mine.db"), resolve(Deno.cwd(), "mine.db"));
    Deno.env.set(DB_ENV, "postgres://lens:secret@127.0.0.1:5432/runs");
    assert.equal(dbPath(undefined), "postgres://lens:secret@127.0.0.1:5432/runs");
  } finally {
    if (before === undefined) Deno.env.delete(DB_ENV);
    else Deno.env.set(DB_ENV, before);
  }
});

Deno.test("lens runs reads the store $LAYERLENS_DB names", async () => {
  await withDir(async (dir) => {
    const db = join(dir, "from_env.db");
    const missing = await lens(["runs"], dir, { [DB_ENV]: db });
    // a read-only listing of a store that does not exist names the file it looked for
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /from_env\.db/);
  });
});
