/**
 * The coalition evaluations of exact Shapley values (coalitions.ts) on a
 * GPU, in our own WGSL: one invocation per (coalition, sample) builds the
 * coalition's feature base + sum_{l in S} p_l(x) (players added in the
 * same order, in float32, as coalitions.ts does, so the features are the
 * same bits), runs the dense layers above the hook point, and scores the
 * output: cross-entropy -log max(p_y, 1e-7) from a stable log-softmax
 * (max subtracted) and whether the arg-max is the label. The host adds
 * the per-sample scores of each coalition in float64.
 *
 * Only dense stacks above the layer run here (MLPs, and CNNs from their
 * flatten / dense layers up): {@link upperDenseStack} reads them from
 * the model's `params()`. Mesa's llvmpipe stops a shader loop after 65535
 * iterations, so a layer's weights are read four at a time and a layer
 * with more than {@link MAX_LAYER_WEIGHTS} weights is refused (device: wasm
 * instead).
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import type { LayerInfo, ModelHandle } from "../../core/types.ts";
import {
  checkBindingSize,
  dispatch,
  kernelDevice,
  readBack,
  uploadBuffer,
} from "../../core/webgpu/device.ts";
import { type CoalitionScores, evaluateCoalitions, type PlayerSet } from "./coalitions.ts";
import {
  type ActivationDef,
  ACTIVATIONS,
  isActivation,
  WGSL_ACTIVATION_NAMES,
} from "../../core/model/activations.ts";

/** Dense layers above a hook point: `w[k]` is `[sizes[k], sizes[k+1]]`, row-major. */
export interface DenseStack {
  sizes: number[];
  w: Float32Array[];
  b: Float32Array[];
  /** Activation of every layer but the last (which is a softmax). */
  activation: string;
}

/** Largest weight count of one layer the kernel takes (lavapipe's loop guard / 4, with margin). */
export const MAX_LAYER_WEIGHTS = 240_000;

const WG = 64;

/**
 * The dense layers of `model` above hook point `layer`, or null when
 * something other than dense layers and a softmax output lies above it
 * or the model has no `params()`.
 */
export async function upperDenseStack(
  model: ModelHandle,
  layer: string,
): Promise<DenseStack | null> {
  const at = model.layers.findIndex((l) => l.name === layer);
  if (at < 0 || !model.params) return null;
  const above: LayerInfo[] = model.layers.slice(at + 1);
  if (!above.length || above.some((l) => l.kind !== "dense" && l.kind !== "output")) return null;
  if (above[above.length - 1].kind !== "output") return null;
  const hidden = above.slice(0, -1).map((l) => l.activation);
  const activation = hidden[0] ?? "linear";
  if (hidden.some((a) => a !== activation)) return null;
  if (!(WGSL_ACTIVATION_NAMES as readonly string[]).includes(activation)) return null;
  const params = await model.params();
  const byName = new Map(params.map((p) => [p.name, p]));
  const sizes = [model.layers[at].units];
  const w: Float32Array[] = [], b: Float32Array[] = [];
  for (const l of above) {
    const p = byName.get(l.name);
    if (!p || p.kernelShape.length !== 2 || p.kernelShape[0] !== sizes[sizes.length - 1]) {
      return null;
    }
    sizes.push(p.kernelShape[1]);
    w.push(p.kernel);
    b.push(p.bias);
  }
  return { sizes, w, b, activation };
}

function activationWgsl(a: string): string {
  const wgsl = isActivation(a) ? (ACTIVATIONS[a] as ActivationDef).wgsl : undefined;
  if (wgsl === undefined) {
    throw new LensError(`activation "${a}" has no WGSL form`, {
      code: "config",
      field: "activation",
      expected: WGSL_ACTIVATION_NAMES.join(", "),
    });
  }
  return wgsl;
}

const pad4 = (n: number) => Math.ceil(n / 4);

/** WGSL for `stack` on features of `dim` units from `players` players. */
function shader(stack: DenseStack, players: number): string {
  const { sizes } = stack;
  const dim = sizes[0];
  const width4 = Math.max(...sizes.map(pad4));
  const layers: string[] = [];
  let woff = 0, boff = 0;
  for (let k = 0; k + 1 < sizes.length; k++) {
    const in4 = pad4(sizes[k]), out = sizes[k + 1];
    const last = k + 2 === sizes.length;
    const [src, dst] = k % 2 === 0 ? ["ha", "hb"] : ["hb", "ha"];
    layers.push(`
  for (var o = 0u; o < ${out}u; o++) {
    var z = bias[${boff}u + o];
    for (var q = 0u; q < ${in4}u; q++) { z += dot(${src}[q], wt[${woff}u + o * ${in4}u + q]); }
    ${dst}[o / 4u][o % 4u] = ${last ? "z" : activationWgsl(stack.activation)};
  }`);
    woff += in4 * out;
    boff += out;
  }
  const outArr = (sizes.length - 1) % 2 === 1 ? "hb" : "ha";
  const classes = sizes[sizes.length - 1];
  return /* wgsl */ `
struct Params { n: u32, masks: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<storage, read> prm: Params;
@group(0) @binding(1) var<storage, read> base: array<f32>;
@group(0) @binding(2) var<storage, read> players: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<u32>;
@group(0) @binding(4) var<storage, read> masks: array<u32>;
@group(0) @binding(5) var<storage, read> wt: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> bias: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  let m = gid.y;
  if (r >= prm.n || m >= prm.masks) { return; }
  let mask = masks[m];
  var ha: array<vec4<f32>, ${width4}>;
  var hb: array<vec4<f32>, ${width4}>;
  for (var k = 0u; k < ${dim}u; k++) {
    var v = base[k];
    for (var l = 0u; l < ${players}u; l++) {
      if ((mask & (1u << l)) != 0u) { v += players[(l * prm.n + r) * ${dim}u + k]; }
    }
    ha[k / 4u][k % 4u] = v;
  }
${layers.join("\n")}
  let y = labels[r];
  var zmax = ${outArr}[0][0];
  var best = 0u;
  for (var j = 1u; j < ${classes}u; j++) {
    let z = ${outArr}[j / 4u][j % 4u];
    if (z > zmax) { zmax = z; best = j; }
  }
  var s = 0.0;
  for (var j = 0u; j < ${classes}u; j++) { s += exp(${outArr}[j / 4u][j % 4u] - zmax); }
  let lp = ${outArr}[y / 4u][y % 4u] - zmax - log(s);
  let o = (m * prm.n + r) * 2u;
  out[o] = -max(lp, log(1e-7));
  out[o + 1u] = select(0.0, 1.0, best == y);
}
`;
}

/** Weights transposed and padded: for each output, its inputs as vec4s. */
function packWeights(stack: DenseStack): Float32Array {
  const { sizes } = stack;
  let total = 0;
  for (let k = 0; k + 1 < sizes.length; k++) total += pad4(sizes[k]) * 4 * sizes[k + 1];
  const out = new Float32Array(total);
  let off = 0;
  for (let k = 0; k + 1 < sizes.length; k++) {
    const I = sizes[k], O = sizes[k + 1], I4 = pad4(I) * 4;
    const w = stack.w[k];
    for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) out[off + o * I4 + i] = w[i * O + o];
    off += I4 * O;
  }
  return out;
}

/**
 * Mean loss and accuracy of `stack` on each coalition in `masks` (bit l-1 =
 * player l) of `set`, computed on the GPU; the same scores as
 * `evaluateCoalitions` of coalitions.ts to float32 precision.
 *
 * @example
 * ```ts
 * const stack = (await upperDenseStack(model, "dense_2"))!;
 * const { loss } = await evaluateCoalitionsWebGpu(stack, players, [0, 1, 2, 3]);
 * ```
 */
export async function evaluateCoalitionsWebGpu(
  stack: DenseStack,
  set: PlayerSet,
  masks: number[],
): Promise<CoalitionScores> {
  const { n, dim, base, players, labels } = set;
  const loss = new Float64Array(masks.length);
  const accuracy = new Float64Array(masks.length);
  if (n === 0) return { loss: loss.fill(NaN), accuracy: accuracy.fill(NaN) };
  if (stack.sizes[0] !== dim) {
    throw new LensError(
      `the upper network takes ${stack.sizes[0]} units, the players have ${dim}`,
      {
        code: "plugin",
        field: "layer",
        expected: "players of the layer the upper network starts from",
      },
    );
  }
  for (let k = 0; k + 1 < stack.sizes.length; k++) {
    const count = stack.sizes[k] * stack.sizes[k + 1];
    if (count > MAX_LAYER_WEIGHTS) {
      throw new LensError(`an upper layer of ${count} weights is too large for the WGSL kernel`, {
        code: "plugin",
        field: "device",
        expected: `at most ${MAX_LAYER_WEIGHTS} weights per layer, or device: wasm`,
      });
    }
  }
  const device = await kernelDevice();
  const flat = new Float32Array(players.length * n * dim);
  players.forEach((p, l) => flat.set(p.subarray(0, n * dim), l * n * dim));
  checkBindingSize(device, flat.byteLength, "the Shapley kernel's players");
  // coalitions per dispatch: the output (2 floats per sample) within the binding limit, <= 65535
  const perChunk = Math.max(
    1,
    Math.min(65535, Math.floor(device.limits.maxStorageBufferBindingSize / (8 * n))),
  );
  const code = shader(stack, players.length);
  const shared = [
    uploadBuffer(device, base),
    uploadBuffer(device, flat),
    uploadBuffer(device, Uint32Array.from(labels)),
  ];
  const weights = [
    uploadBuffer(device, packWeights(stack)),
    uploadBuffer(device, Float32Array.from(stack.b.flatMap((b) => [...b]))),
  ];
  const owned = [...shared, ...weights];
  try {
    for (let m0 = 0; m0 < masks.length; m0 += perChunk) {
      const chunk = masks.slice(m0, m0 + perChunk);
      const bytes = chunk.length * n * 8;
      const prm = uploadBuffer(device, Uint32Array.from([n, chunk.length, 0, 0]));
      const mb = uploadBuffer(device, Uint32Array.from(chunk));
      const out = device.createBuffer({
        size: bytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
      owned.push(prm, mb, out);
      await dispatch(device, code, [prm, ...shared, mb, ...weights, out], [
        Math.ceil(n / WG),
        chunk.length,
      ]);
      const got = await readBack(device, out, bytes);
      for (let m = 0; m < chunk.length; m++) {
        let l = 0, a = 0;
        for (let r = 0; r < n; r++) {
          l += got[2 * (m * n + r)];
          a += got[2 * (m * n + r) + 1];
        }
        loss[m0 + m] = l / n;
        accuracy[m0 + m] = a / n;
      }
    }
  } finally {
    for (const b of owned) b.destroy();
  }
  return { loss, accuracy };
}

/** Where coalition evaluations run. */
export type CoalitionDevice = "wasm" | "webgpu";

/**
 * `evaluateCoalitions` of coalitions.ts on `device`: `wasm` runs the
 * model's own forward pass (tfjs on the active backend), `webgpu` the WGSL
 * kernel over the model's dense layers above `layer` (a LensError naming
 * the option when something else lies above it). The one call a plugin
 * with a `device` option makes.
 *
 * @example
 * ```ts
 * const s = await evaluateCoalitionsOn("webgpu", model, "dense_2", players, [0, 1, 2, 3]);
 * ```
 */
export async function evaluateCoalitionsOn(
  device: CoalitionDevice,
  model: ModelHandle,
  layer: string,
  set: PlayerSet,
  masks: number[],
): Promise<CoalitionScores> {
  if (device === "wasm") return evaluateCoalitions(model, layer, set, masks);
  const stack = await upperDenseStack(model, layer);
  if (!stack) {
    throw new LensError(`the layers above ${layer} are not a plain dense stack`, {
      code: "plugin",
      field: "device",
      expected: "device: wasm (the WGSL kernel runs dense layers and a softmax output only)",
    });
  }
  return evaluateCoalitionsWebGpu(stack, set, masks);
}
