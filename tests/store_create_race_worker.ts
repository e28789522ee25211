/**
 * Worker of tests/store_create_race_test.ts: creates new run databases
 * `db0.db` ... in `dir`, one after another, counting each one made in
 * `state[0]` and setting `state[1]` when it fails (a SharedArrayBuffer the
 * test's thread reads while it looks at the files).
 *
 * @module
 */
import { join } from "node:path";
import { openStore } from "../core/store.ts";

self.onmessage = (e: MessageEvent<{ dir: string; n: number; state: Int32Array }>) => {
  const { dir, n, state } = e.data;
  try {
    for (let i = 0; i < n; i++) {
      openStore(join(dir, `db${i}.db`)).close();
      Atomics.store(state, 0, i + 1);
    }
    self.postMessage({ ok: true });
  } catch (err) {
    Atomics.store(state, 1, 1);
    self.postMessage({ ok: false, error: String(err) });
  }
};
