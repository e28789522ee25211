/**
 * Editing stored runs from the dashboard: rename, tag, delete. Each is a
 * state change under the same access rules as starting a run
 * (access.ts: same origin, the page's token from this machine, or the
 * remote token); bodies are small JSON documents, checked field by field.
 *
 * - `POST /api/runs/:id/rename` `{name}`: 1 to {@link MAX_NAME} characters,
 *   no control characters; answers `{id, name}`.
 * - `POST /api/runs/:id/tags` `{tags: [...]}`: at most {@link MAX_TAGS}
 *   tags of letters, digits and `_ . : + = -` (1 to {@link MAX_TAG}
 *   characters each); replaces the run's tags; answers `{id, tags}`.
 * - `DELETE /api/runs/:id`: deletes the run and everything stored with it;
 *   refused (409) while the run is queued, starting or training.
 *
 * @module
 */
import { Hono } from "../../deps/hono.ts";
import { LensError } from "../../core/errors.ts";
import { assertMayChange } from "../access.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { readBodyCapped } from "../read_body.ts";
import { requireRun } from "./runs.ts";

/** Longest run name. */
export const MAX_NAME = 200;
/** Most tags per run. */
export const MAX_TAGS = 20;
/** Longest tag. */
export const MAX_TAG = 40;
/** Largest body of an edit. */
const MAX_EDIT_BODY = 16 * 1024;

const TAG = /^[A-Za-z0-9_.:+=-]+$/;

async function jsonBody(req: Request): Promise<Record<string, unknown>> {
  const text = await readBodyCapped(req, MAX_EDIT_BODY);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new LensError("the body is not a JSON object", {
      code: "request",
      expected: 'a JSON object such as {"name": "..."}',
    });
  }
  return doc as Record<string, unknown>;
}

/** The checked new name of a run. */
export function checkName(v: unknown): string {
  const name = typeof v === "string" ? v.trim() : "";
  // deno-lint-ignore no-control-regex
  if (!name || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new LensError("invalid run name", {
      code: "request",
      field: "name",
      expected: `1 to ${MAX_NAME} characters without control characters`,
    });
  }
  return name;
}

/** The checked, de-duplicated tags of a run. */
export function checkTags(v: unknown): string[] {
  if (!Array.isArray(v) || v.length > MAX_TAGS) {
    throw new LensError("invalid tags", {
      code: "request",
      field: "tags",
      expected: `a list of at most ${MAX_TAGS} tags`,
    });
  }
  const out = new Set<string>();
  for (const t of v) {
    if (typeof t !== "string" || !t || t.length > MAX_TAG || !TAG.test(t)) {
      throw new LensError(`invalid tag ${JSON.stringify(String(t).slice(0, 60))}`, {
        code: "request",
        field: "tags",
        expected: `1 to ${MAX_TAG} letters, digits or _ . : + = -`,
      });
    }
    out.add(t);
  }
  return [...out];
}

function unsupported(what: string): LensError {
  return new LensError(`this store cannot ${what} runs`, {
    code: "conflict",
    expected: "a SQLite run database",
  });
}

/** Routes under /api/runs that edit a stored run. */
export function runEditRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/:id/rename", async (c) => {
    assertMayChange(c, deps.access, { body: true });
    const run = requireRun(deps, c.req.param("id"));
    const name = checkName((await jsonBody(c.req.raw)).name);
    if (!deps.store.renameRun) throw unsupported("rename");
    deps.store.renameRun(run.id, name);
    return c.json({ id: run.id, name });
  });

  app.post("/:id/tags", async (c) => {
    assertMayChange(c, deps.access, { body: true });
    const run = requireRun(deps, c.req.param("id"));
    const tags = checkTags((await jsonBody(c.req.raw)).tags);
    if (!deps.store.setRunTags || !deps.store.runTags) throw unsupported("tag");
    deps.store.setRunTags(run.id, tags);
    return c.json({ id: run.id, tags: deps.store.runTags(run.id) });
  });

  app.delete("/:id", (c) => {
    assertMayChange(c, deps.access, { body: false });
    const id = c.req.param("id");
    if (deps.pending.has(id) && !deps.store.getRun(id)) {
      throw new LensError(`run "${id}" is waiting to start`, {
        code: "conflict",
        expected: "a run that has ended (stop it first)",
      });
    }
    const run = requireRun(deps, id);
    if (["running", "queued", "starting"].includes(run.status)) {
      throw new LensError(`run "${id}" is ${run.status}`, {
        code: "conflict",
        expected: "a run that has ended (stop it first)",
      });
    }
    if (!deps.store.deleteRun) throw unsupported("delete");
    deps.store.deleteRun(run.id);
    return c.json({ id: run.id, deleted: true });
  });

  return app;
}
