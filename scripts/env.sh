# Sourced by the scripts: the pinned tools first on PATH, so no other wasm-opt or wasm-bindgen
# (Debian's binaryen, say) is ever picked up, and Trunk never tries to download one.
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$repo_root/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
