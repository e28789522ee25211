#!/usr/bin/env bash
# The webgpu checks, in one go, for a machine with a GPU; it runs on Mesa's
# lavapipe too (CPU adapter), so it is exercised where no GPU is lent.
#
#   bash bench/gpu_check.sh [--quick]       # --quick: the lavapipe sizes
#
# Steps (each timed; the script goes on after a failure and exits 1 at the end):
#   1. the adapter: navigator.gpu.requestAdapter() info
#   2. the webgpu tests: backend (12-bit training vs wasm), shim, auto, WGSL KDE, WGSL Shapley
#   3. the WGSL KDE kernel vs wasm at N = 4096 (bench/webgpu_kde.ts)
#   4. webgpu vs wasm: the 12-bit protocol (losses within 1e-4), one MNIST CNN epoch, one
#      conv-disentangler epoch (bench/webgpu_compare.ts)
#   5. the training cross-over, MLP widths (bench/webgpu_crossover.ts)
#
# On a machine that can fetch nothing (the device tool's), build the carry first, here:
#   bash bench/gpu_carry.sh                  # .gpu_carry/: deno.xz, node_modules.tar.xz, gl/*.deb
# then run, with carry [".gpu_carry"] and a timeout that leaves room for one more try:
#   bash bench/gpu_check.sh
# Where node_modules/ is missing the script unpacks the carry: the Vulkan loader (dpkg -x into /,
# ldconfig) when none is installed, deno into /tmp/gpu-deno/ when deno 2.9.5 is not on PATH, and
# node_modules/ with the npm registry metadata as a fresh DENO_DIR (/tmp/gpu-deno/dir). It points the Vulkan loader at NVIDIA's ICD file when that file exists and
# VK_DRIVER_FILES is unset. With $OUT set the whole log also goes to $OUT/gpu_check.log.
set -uo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
if [ -n "${OUT:-}" ] && [ -d "${OUT}" ]; then exec > >(tee "$OUT/gpu_check.log") 2>&1; fi

if [ -d .gpu_carry ]; then
  if ! ldconfig -p | grep -q 'libvulkan\.so\.1'; then
    for f in .gpu_carry/gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  if ! deno --version 2>/dev/null | grep -q '^deno 2\.9\.5'; then
    mkdir -p /tmp/gpu-deno && xz -dc .gpu_carry/deno.xz >/tmp/gpu-deno/deno
    chmod +x /tmp/gpu-deno/deno
    export PATH="/tmp/gpu-deno:$PATH"
  fi
  if [ ! -d node_modules/.deno ]; then
    tar -xJf .gpu_carry/node_modules.tar.xz
    mkdir -p /tmp/gpu-deno/dir && tar -C /tmp/gpu-deno/dir -xJf .gpu_carry/deno_dir.tar.xz
    export DENO_DIR=/tmp/gpu-deno/dir
  fi
fi
nv_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nv_icd" ]; then export VK_DRIVER_FILES="$nv_icd"; fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
export CI=1 # the webgpu tests fail, not skip, without an adapter

if [ "$quick" = 1 ]; then
  compare=(--epochs 30 --mnist 500 --conv-samples 256)
  widths=64,256
else
  compare=(--epochs 300 --mnist 5000 --conv-samples 2000)
  widths=64,256,512,1024
fi

# deno.json says nodeModulesDir "none" (Deno's npm cache); here the packages are the carried
# (or installed) node_modules/, which `manual` uses as they are, offline
nm=--node-modules-dir=manual

failed=()
step() {
  local name=$1
  shift
  echo "== $name: $*"
  local t0=$SECONDS
  "$@"
  local rc=$?
  echo "== $name: exit $rc, $((SECONDS - t0)) s"
  [ "$rc" = 0 ] || failed+=("$name")
}

step adapter deno eval $nm 'const a = await navigator.gpu.requestAdapter();
  console.log(JSON.stringify(a ? { ...a.info, features: [...a.features] } : "no adapter"));
  if (!a) Deno.exit(1);'
step tests deno test $nm -A tests/backend_webgpu_test.ts tests/backend_webgpu_shim_test.ts \
  tests/backend_auto_test.ts tests/infoplane_kde_webgpu_test.ts \
  tests/complexity_shapley_webgpu_test.ts
step kde deno run $nm -A bench/webgpu_kde.ts --rows 4096 --cols 10 --repeat 3
step compare deno run $nm -A bench/webgpu_compare.ts "${compare[@]}"
step crossover deno run $nm -A bench/webgpu_crossover.ts --widths "$widths"

if [ ${#failed[@]} -gt 0 ]; then
  echo "gpu_check: FAILED: ${failed[*]}"
  exit 1
fi
echo "gpu_check: all steps passed"
