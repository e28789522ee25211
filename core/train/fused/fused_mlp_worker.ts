/**
 * Worker entry of the fused MLP trainer: holds one bank of seeds and answers
 * the pool's requests (see fused_mlp_pool.ts for the protocol). Results go
 * back with their buffers transferred, not copied.
 *
 * @module
 */
/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
import { errorMessage } from "../../errors.ts";
import { type Bank, createBank } from "./fused_mlp_bank.ts";
import type { BankRequest } from "./fused_mlp_pool.ts";

let bank: Bank | undefined;

/** Runs one request against the bank. */
function handle(req: BankRequest): unknown {
  if (req.op === "init") {
    bank = createBank(req.init);
    return { backend: bank.backend };
  }
  if (!bank) throw new Error("fused MLP worker used before init");
  switch (req.op) {
    case "train":
      return bank.trainEpoch(req.epoch, req.grads);
    case "capture":
      return bank.capture(req.x, req.n, req.seeds);
    case "evaluate":
      return bank.evaluate(req.x, req.y, req.n);
    case "forwardFrom":
      return bank.forwardFrom(req.seed, req.layer, req.features, req.rows);
    case "params":
      return bank.params(req.seed);
  }
}

/** Buffers of the typed arrays in a result (top level, arrays, and one level of objects). */
function buffers(value: unknown, out: ArrayBuffer[] = [], depth = 0): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && !out.includes(value.buffer)) out.push(value.buffer);
  } else if (depth < 2 && value && typeof value === "object") {
    for (const v of Object.values(value)) buffers(v, out, depth + 1);
  }
  return out;
}

self.onmessage = (e: MessageEvent<{ id: number; req: BankRequest }>) => {
  const { id, req } = e.data;
  try {
    const result = handle(req);
    self.postMessage({ id, ok: true, result }, buffers(result));
  } catch (err) {
    self.postMessage({ id, ok: false, error: errorMessage(err) });
  }
};
