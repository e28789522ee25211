#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing:
# chromium (browser tests of the dashboard) and mesa-vulkan-drivers (Mesa's
# lavapipe, a software WebGPU adapter for the webgpu backend test) and
# redis-server (the queue tests start private instances of it).
# Needs root (or sudo) and apt-get; elsewhere it says what to install.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 || need+=(mesa-vulkan-drivers)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "layerlens tests need: ${need[*]} (no apt-get here; install them by hand)" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
echo "installing ${need[*]} (apt-get) for the browser and WebGPU tests..." >&2
$sudo apt-get update -qq >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 ||
  echo "could not install ${need[*]}; the browser / WebGPU / queue tests will say what is missing" >&2
exit 0
