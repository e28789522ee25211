/**
 * Artifacts: large in-memory values plugins hand to each other within one
 * run (a decomposition of a feature, an IB curve, a cache of coalition
 * losses). A key carries the type of its value, so the plugin that writes
 * an artifact and the plugins that read it agree on it at compile time;
 * the producing plugin exports the key (or a function making it).
 *
 * @example
 * ```ts
 * const CURVE = artifactKey<{ betas: number[] }>("my-plugin:curve");
 * ctx.artifacts.set(CURVE, { betas: [1, 2] });
 * ctx.artifacts.get(CURVE)?.betas; // number[] | undefined
 * ```
 *
 * @module
 */

/**
 * The name of an artifact, `"<plugin>:<what>"`, typed by the value stored
 * under it (the optional `__artifactValue` exists only for the compiler).
 */
export type ArtifactKey<T> = string & { readonly __artifactValue?: T };

/** Makes a typed artifact key from its name. */
export function artifactKey<T>(name: string): ArtifactKey<T> {
  return name as ArtifactKey<T>;
}

/** The artifacts of one run, shared by its plugins (`ctx.artifacts`). */
export interface Artifacts {
  /** The value stored under `key`, or undefined. */
  get<T>(key: ArtifactKey<T>): T | undefined;
  /** Stores `value` under `key` (replacing what was there). */
  set<T>(key: ArtifactKey<T>, value: NoInfer<T>): unknown;
  /** Whether anything is stored under `key`. */
  has(key: string): boolean;
  /** Removes what is stored under `key`; true if something was. */
  delete(key: string): boolean;
}

/** An empty artifact store (what the plugin host gives one run). */
export function createArtifacts(): Artifacts {
  return new Map<string, unknown>() as Artifacts;
}
