/**
 * Seeded randomness. One integer seed fixes everything random in a run;
 * independent streams for initialisation, batching and splits are derived
 * from it by name, so adding draws to one stream never shifts another.
 *
 * @module
 */

/** A seeded pseudo-random source. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal. */
  normal(): number;
  /** Integer uniform in [0, n). */
  int(n: number): number;
}

function hashString(s: string): number {
  // FNV-1a, 32 bit
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A generator (sfc32) for `seed` and a named stream.
 *
 * @example
 * ```ts
 * const r = createRng(7, "init");
 * const w = r.normal();
 * ```
 */
export function createRng(seed: number, stream = ""): Rng {
  let a = (seed | 0) ^ 0x9e3779b9;
  let b = hashString(stream) ^ 0x243f6a88;
  let c = Math.imul(seed | 0, 0x85ebca6b) ^ 0xb7e15162;
  let d = 1;
  const u32 = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) u32();
  let spare: number | null = null;
  const next = () => u32() / 4294967296;
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Normal draw with sd `sd`, redrawn while beyond 2 sd (the reference initialiser). */
export function truncatedNormal(rng: Rng, sd: number): number {
  for (;;) {
    const z = rng.normal();
    if (Math.abs(z) <= 2) return z * sd;
  }
}

/** Fisher-Yates shuffle of 0..n-1. */
export function permutation(rng: Rng, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
