/**
 * Hostile .npz archives: a deflated entry whose stream expands far past
 * what its .npy header declares, and one whose header declares more than
 * the archive limit, are refused quickly with bounded memory (the CLI exits
 * 2 with one line); honest archives still read.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { constants, deflateRawSync } from "node:zlib";
import { LensError } from "../core/errors.ts";
import { encodeNpy } from "../core/data/npy.ts";
import { encodeNpz, parseNpz } from "../core/data/npz.ts";
import { CLI, withDir } from "./cli_helpers.ts";

/** A zip with one deflated entry `name` holding the raw deflate stream `data`. */
function zipOne(name: string, data: Uint8Array, declaredSize: number): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const local = new Uint8Array(30 + nameBytes.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 20, true);
  lv.setUint16(8, 8, true); // deflate
  lv.setUint32(18, data.length, true);
  lv.setUint32(22, declaredSize, true);
  lv.setUint16(26, nameBytes.length, true);
  local.set(nameBytes, 30);
  const central = new Uint8Array(46 + nameBytes.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(4, 20, true);
  cv.setUint16(6, 20, true);
  cv.setUint16(10, 8, true);
  cv.setUint32(20, data.length, true);
  cv.setUint32(24, declaredSize, true);
  cv.setUint16(28, nameBytes.length, true);
  cv.setUint32(42, 0, true); // local header at 0
  central.set(nameBytes, 46);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, central.length, true);
  ev.setUint32(16, local.length + data.length, true);
  const out = new Uint8Array(local.length + data.length + central.length + end.length);
  out.set(local, 0);
  out.set(data, local.length);
  out.set(central, local.length + data.length);
  out.set(end, local.length + data.length + central.length);
  return out;
}

/**
 * A raw deflate stream: `head` then `zeroMiB` MiB of zero bytes, made by
 * repeating one sync-flushed compressed MiB of zeros (about 1 KiB each).
 */
function bombStream(head: Uint8Array, zeroMiB: number): Uint8Array {
  const flush = { finishFlush: constants.Z_SYNC_FLUSH, level: 9 };
  const first = deflateRawSync(head, flush);
  const mib = deflateRawSync(new Uint8Array(1 << 20), flush);
  const last = new Uint8Array([0x03, 0x00]); // an empty final block
  const out = new Uint8Array(first.length + mib.length * zeroMiB + last.length);
  out.set(first, 0);
  for (let i = 0; i < zeroMiB; i++) out.set(mib, first.length + i * mib.length);
  out.set(last, first.length + mib.length * zeroMiB);
  return out;
}

/** The header (and no data) of a float32 .npy of `shape`. */
function npyHead(shape: number[]): Uint8Array {
  const whole = encodeNpy({ dtype: "f4", shape: [0], data: new Float32Array(0) });
  const text = new TextDecoder("latin1").decode(whole.subarray(10));
  const dict = text.replace("(0,)", `(${shape.join(", ")},)`).trimEnd();
  const padded = dict.padEnd(Math.ceil((dict.length + 11) / 64) * 64 - 11) + "\n";
  const out = new Uint8Array(10 + padded.length);
  out.set(whole.subarray(0, 8));
  new DataView(out.buffer).setUint16(8, padded.length, true);
  for (let i = 0; i < padded.length; i++) out[10 + i] = padded.charCodeAt(i);
  return out;
}

Deno.test("npz: an entry expanding past its header's size is refused after a few MB", () => {
  // header: 10 float32 values (40 bytes); stream: 64 MiB of zeros
  const zip = zipOne("x.npy", bombStream(npyHead([10]), 64), 168);
  assert.throws(
    () => parseNpz(zip, "bomb.npz"),
    (e: unknown) =>
      e instanceof LensError && e.file === "bomb.npz:x.npy" &&
      /expands past the 168 bytes its \.npy header declares/.test(e.message),
  );
});

Deno.test("npz: a header declaring more than the archive limit is refused before inflating", () => {
  const zip = zipOne("x.npy", bombStream(npyHead([1_000_000_000_000]), 1), 0);
  assert.throws(
    () => parseNpz(zip, "huge.npz"),
    (e: unknown) =>
      e instanceof LensError && /declares 4000000000128 bytes, more than/.test(e.message),
  );
  // a small limit applies to the sum over entries
  const two = encodeNpz({
    a: { dtype: "f4", shape: [100], data: new Float32Array(100) },
    b: { dtype: "f4", shape: [100], data: new Float32Array(100) },
  }, true);
  assert.equal(parseNpz(two, "two.npz", { maxBytes: 1100 }).get("b")!.data.length, 100);
  assert.throws(() => parseNpz(two, "two.npz", { maxBytes: 800 }), /two\.npz:b\.npy: .*more than/);
});

Deno.test("npz: honest stored and deflated archives read as before", () => {
  const arrays = {
    x: { dtype: "f4", shape: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
    y: { dtype: "i8", shape: [3], data: new BigInt64Array([0n, 1n, 5n]) },
  };
  for (const compress of [false, true]) {
    const back = parseNpz(encodeNpz(arrays, compress), "ok.npz");
    assert.deepEqual([...back.get("x")!.data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...back.get("y")!.data], [0n, 1n, 5n]);
    assert.deepEqual(back.get("x")!.shape, [3, 2]);
  }
});

Deno.test("npz bomb through the CLI: exit 2, one line, quickly, bounded memory", () =>
  withDir(async (dir) => {
    // 1 GiB of zeros behind a header of 10 values: about 1 MB on disk
    const zip = zipOne("l.npy", bombStream(npyHead([10, 1]), 1024), 0);
    assert.ok(zip.length < 2_000_000, `${zip.length} bytes`);
    Deno.writeFileSync(join(dir, "bomb.npz"), zip);
    const y = encodeNpy({ dtype: "i4", shape: [10], data: new Int32Array(10) });
    Deno.writeFileSync(join(dir, "y.npy"), y);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "analyze", "--activations", "bomb.npz", "--labels", "y.npy"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let peakKiB = 0;
    const watch = setInterval(() => {
      try {
        const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
      } catch {
        // gone
      }
    }, 20);
    const out = await child.output();
    clearInterval(watch);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 2, stderr);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, /bomb\.npz:l\.npy: the entry expands past the 168 bytes/);
    if (Deno.build.os === "linux") assert.ok(peakKiB < 400 * 1024, `peak ${peakKiB} KiB`);
  }));
