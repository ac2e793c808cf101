# Shared helpers for the project's scripts: each installs what it needs, once.
# Source from the repository root: `source scripts/lib.sh`.

VENV="${VENV:-$PWD/.venv}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# apt-get install the given packages if any is missing (needs root or sudo).
ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A virtualenv inside the repository with the Python tools the tests use.
ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
  fi
  if ! "$VENV/bin/python" -c "import maturin, pytest, PIL, standardwebhooks, numpy" >/dev/null 2>&1; then
    log "pip install maturin pytest pillow standardwebhooks numpy"
    "$VENV/bin/pip" install -q --disable-pip-version-check "maturin>=1.16,<2" "pytest>=8,<10" "pillow>=10,<13" "standardwebhooks==1.1.0" "numpy>=1.26,<3"
  fi
}

# The version of a crate as pinned in Cargo.lock.
locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

# The wasm32 target and wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock.
ensure_wasm_tools() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown || {
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  }
  local version
  version="$(locked_version wasm-bindgen)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$version" ]; then
    log "cargo install wasm-bindgen-cli $version (debug build: same output, a third of the time)"
    # Not --locked: its lock pins a crate version this registry lacks (TOOLCHAIN.md).
    cargo install -q wasm-bindgen-cli --version "=$version" --debug
  fi
}

# Builds the WASM door and generates the Node and web packages.
build_wasm() {
  ensure_wasm_tools
  log "building the WASM door"
  cargo build -q -p veriscope-wasm --target wasm32-unknown-unknown --profile wasm-release
  local wasm=target/wasm32-unknown-unknown/wasm-release/veriscope_wasm.wasm
  wasm-bindgen --target nodejs --out-dir wasm/pkg-node "$wasm"
  wasm-bindgen --target web --out-dir wasm/pkg-web "$wasm"
}

# Builds the Python wheel (abi3, release) and installs it in the venv.
build_python() {
  ensure_venv
  log "building the Python wheel"
  rm -rf target/wheels
  (cd python && "$VENV/bin/maturin" build -q --release -o ../target/wheels)
  "$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps target/wheels/veriscope-*.whl
}
