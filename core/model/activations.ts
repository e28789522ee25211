/**
 * The one registry of activation functions. Every place that names,
 * validates or evaluates an activation reads it from here: the config, the
 * tfjs models (core/model/activation.ts), the fused MLP kernel (its codes),
 * the typed-array dense networks of the complexity family, and the WGSL
 * Shapley kernel. Adding an activation is one entry below (and a tfjs op in
 * activation.ts, which the compiler then asks for).
 *
 * @module
 */
import { LensError } from "../errors.ts";

/** How one activation is computed outside tfjs. */
export interface ActivationDef {
  /** The function on one float64 value. */
  plain: (x: number) => number;
  /** WGSL expression of `z` (f32), where the WebGPU kernels support it. */
  wgsl?: string;
  /** Code of the activation in the fused MLP kernel, where it implements it. */
  fused?: number;
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
/** Slope for x < 0 of `leakyRelu` (tfjs's default). */
export const LEAKY_RELU_SLOPE = 0.2;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));

/**
 * erf(x) to ~1e-12 (a Maclaurin series for |x| < 2.5, then the continued
 * fraction of erfc), enough for float32 activations and float64 checks.
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = a, sum = a;
    for (let n = 1; n < 80; n++) {
      term *= (-a * a) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(a) = exp(-a^2)/sqrt(pi) * 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...))))
  let f = 0;
  for (let k = 60; k >= 1; k--) f = (k / 2) / (a + f);
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
  return Math.sign(x) * (1 - erfc);
}

/** Every activation by its tfjs name. */
export const ACTIVATIONS = {
  linear: { plain: (x: number) => x, wgsl: "z", fused: 0 },
  tanh: { plain: Math.tanh, wgsl: "tanh(z)", fused: 1 },
  relu: { plain: (x: number) => (x > 0 ? x : 0), wgsl: "max(z, 0.0)", fused: 2 },
  sigmoid: { plain: sigmoid, wgsl: "1.0 / (1.0 + exp(-z))", fused: 3 },
  elu: {
    plain: (x: number) => (x > 0 ? x : Math.expm1(x)),
    wgsl: "select(exp(z) - 1.0, z, z >= 0.0)",
    fused: 4,
  },
  softplus: { plain: softplus, wgsl: "select(log(1.0 + exp(z)), z, z > 20.0)", fused: 5 },
  selu: {
    plain: (x: number) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    wgsl: `${SELU_SCALE} * select(${SELU_ALPHA} * (exp(z) - 1.0), z, z > 0.0)`,
  },
  relu6: { plain: (x: number) => Math.min(6, Math.max(0, x)), wgsl: "clamp(z, 0.0, 6.0)" },
  // x / (1 + |x|)
  softsign: { plain: (x: number) => x / (1 + Math.abs(x)), wgsl: "z / (1.0 + abs(z))" },
  // clip(0.2 x + 0.5, 0, 1), the Keras / tfjs-layers definition
  hardSigmoid: {
    plain: (x: number) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
    wgsl: "clamp(0.2 * z + 0.5, 0.0, 1.0)",
  },
  // x * sigmoid(x)
  swish: { plain: (x: number) => x * sigmoid(x), wgsl: "z / (1.0 + exp(-z))" },
  // x * tanh(softplus(x))
  mish: {
    plain: (x: number) => x * Math.tanh(softplus(x)),
    wgsl: "z * tanh(select(log(1.0 + exp(z)), z, z > 20.0))",
  },
  // exact GELU: x * Phi(x) = x (1 + erf(x / sqrt 2)) / 2 (WGSL has no erf)
  gelu: { plain: (x: number) => 0.5 * x * (1 + erf(x * Math.SQRT1_2)) },
  leakyRelu: {
    plain: (x: number) => (x > 0 ? x : LEAKY_RELU_SLOPE * x),
    wgsl: `select(${LEAKY_RELU_SLOPE} * z, z, z > 0.0)`,
  },
} as const satisfies Record<string, ActivationDef>;

/** A name of the registry. */
export type ActivationName = keyof typeof ACTIVATIONS;

/** Every activation name, in registry order. */
export const ACTIVATION_NAMES: readonly ActivationName[] = Object.keys(
  ACTIVATIONS,
) as ActivationName[];

/** The activations of the fused MLP kernel, indexed by their kernel code. */
export const FUSED_ACTIVATION_NAMES: readonly string[] = ACTIVATION_NAMES
  .filter((n) => (ACTIVATIONS[n] as ActivationDef).fused !== undefined)
  .sort((a, b) =>
    (ACTIVATIONS[a] as ActivationDef).fused! - (ACTIVATIONS[b] as ActivationDef).fused!
  );

/** The activations with a WGSL form. */
export const WGSL_ACTIVATION_NAMES: readonly ActivationName[] = ACTIVATION_NAMES.filter(
  (n) => (ACTIVATIONS[n] as ActivationDef).wgsl !== undefined,
);

/** Whether `name` is an activation of the registry. */
export function isActivation(name: string): name is ActivationName {
  return Object.hasOwn(ACTIVATIONS, name);
}

/**
 * Throws a `config` LensError naming `field` unless `name` is one of
 * `among` (every activation by default).
 *
 * @example
 * ```ts
 * checkActivation("tanh", "model.activation"); // ok
 * checkActivation("gelu", "model.activation", FUSED_ACTIVATION_NAMES); // throws
 * ```
 */
export function checkActivation(
  name: string,
  field = "model.activation",
  among: readonly string[] = ACTIVATION_NAMES,
): asserts name is ActivationName {
  if (!among.includes(name)) {
    throw new LensError(`unknown activation "${name}"`, {
      code: "config",
      field,
      expected: `one of ${among.join(", ")}`,
    });
  }
}

/** The definition of activation `name` (checked). */
export function activationDef(name: string, field?: string): ActivationDef {
  checkActivation(name, field);
  return ACTIVATIONS[name];
}

/**
 * Applies activation `name` in place to every element of `a`.
 *
 * @example
 * ```ts
 * const a = new Float32Array([-1, 2]);
 * applyPlainActivation(a, "relu"); // a = [0, 2]
 * ```
 */
export function applyPlainActivation(a: Float32Array | Float64Array, name: string): void {
  if (name === "linear") return;
  const f = activationDef(name, "activation").plain;
  for (let i = 0; i < a.length; i++) a[i] = f(a[i]);
}
