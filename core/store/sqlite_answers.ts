/**
 * The dashboard's answers kept in a SQLite run store (`chart_answers`,
 * created on first use): a finished run's chart or training-curve JSON,
 * stamped with the run's last record id, so a server started later (or
 * another one) answers a run viewed before from one row instead of
 * aggregating its records again, and an answer stops counting as soon as
 * a record is added to the run. A cache: a write that would wait on a busy
 * database, an answer over {@link MAX_ANSWER_BYTES} and answers past
 * {@link MAX_ANSWERS_PER_RUN} are not kept (the server computes them).
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** Largest answer kept, in bytes of JSON (a 20-seed information plane is about 80 KB). */
export const MAX_ANSWER_BYTES = 8 << 20;

/** Answers kept per run (charts x query variants); past it, those of the run are dropped. */
export const MAX_ANSWERS_PER_RUN = 256;

/** Milliseconds a write of an answer may wait for another writer (the normal wait is 10 s). */
const WRITE_WAIT_MS = 50;

/** The run's last record id, which stamps its answers. */
const LAST_RESULT = "(SELECT coalesce(max(id), 0) FROM results WHERE run_id = ?)";

/** `storedAnswer` / `storeAnswer` / `dropAnswers` of a SQLite store. */
export function sqliteAnswers(
  db: DatabaseSync,
  stmt: (sql: string) => StatementSync,
  busyTimeoutMs: number,
) {
  const hasTable = () =>
    !!stmt("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chart_answers'").get();
  return {
    storedAnswer(runId: string, key: string): string | undefined {
      if (!hasTable()) return undefined;
      const row = stmt(
        `SELECT body FROM chart_answers WHERE run_id = ? AND key = ? AND last_result = ${LAST_RESULT}`,
      ).get(runId, key, runId) as { body: string } | undefined;
      return row?.body;
    },
    storeAnswer(runId: string, key: string, body: string): boolean {
      if (body.length > MAX_ANSWER_BYTES) return false;
      db.exec(`PRAGMA busy_timeout = ${WRITE_WAIT_MS}`);
      try {
        db.exec("BEGIN IMMEDIATE");
      } catch (e) {
        db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
        if (/busy|locked/i.test(String(e))) return false;
        throw e;
      }
      try {
        db.exec(
          "CREATE TABLE IF NOT EXISTS chart_answers (run_id TEXT NOT NULL, key TEXT NOT NULL, " +
            "last_result INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (run_id, key))",
        );
        const n = stmt("SELECT count(*) AS n FROM chart_answers WHERE run_id = ?").get(runId) as {
          n: number;
        };
        if (n.n >= MAX_ANSWERS_PER_RUN) {
          stmt("DELETE FROM chart_answers WHERE run_id = ?").run(runId);
        }
        stmt(
          "INSERT OR REPLACE INTO chart_answers (run_id, key, last_result, body) " +
            `VALUES (?, ?, ${LAST_RESULT}, ?)`,
        ).run(runId, key, runId, body);
        db.exec("COMMIT");
        return true;
      } catch (e) {
        db.exec("ROLLBACK");
        throw e;
      } finally {
        db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
      }
    },
    /** Drops the answers of run `id` (inside the caller's transaction). */
    dropAnswers(id: string): void {
      if (hasTable()) stmt("DELETE FROM chart_answers WHERE run_id = ?").run(id);
    },
  };
}
