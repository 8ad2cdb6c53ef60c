#!/usr/bin/env bash
# Install what the client kits and their examples need. Idempotent, and fast when done.
#
#   clients/setup.sh [python|typescript|all]     (default: all)
#
# python:     pip install -e clients/python[examples] with the pinned versions of
#             clients/python/constraints.txt (grpcio, protobuf, pika, redis, nats-py), skipped
#             when salvage_client already imports from this checkout with those versions.
#             PYTHON picks the interpreter (default python3).
# typescript: npm ci in clients/typescript (skipped when node_modules matches package-lock.json),
#             then tsc to clients/typescript/dist (skipped when dist is newer than every source).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
what="${1:-all}"

setup_python() {
  local kit="$HERE/python"
  if "$PYTHON" - "$kit" <<'EOF' 2>/dev/null; then
import importlib.metadata as m, os, sys
kit = sys.argv[1]
import salvage_client
assert os.path.realpath(salvage_client.__file__).startswith(os.path.realpath(kit) + os.sep)
for line in open(os.path.join(kit, "constraints.txt")):
    line = line.split("#")[0].strip()
    if line and not line.startswith("grpcio-tools"):
        name, version = line.split("==")
        assert m.version(name) == version, (name, m.version(name), version)
EOF
    return 0
  fi
  echo "setup.sh: installing the Python kit (pip install -e clients/python[examples])" >&2
  # --no-build-isolation: the build needs only setuptools, which is there (grpcio-tools needs it).
  nice -n 10 "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-build-isolation \
    -c "$kit/constraints.txt" -e "$kit[examples]" >&2
}

setup_typescript() {
  local kit="$HERE/typescript"
  command -v npm >/dev/null || { echo "setup.sh: npm not found (Node.js 20 or later)" >&2; exit 2; }
  # npm writes node_modules/.package-lock.json on install: same dependencies as the lock file
  # means nothing to do.
  if [[ ! -f "$kit/node_modules/.package-lock.json" ]] ||
     ! node -e '
       const fs = require("fs"); const [a, b] = process.argv.slice(1).map(f => JSON.parse(fs.readFileSync(f)));
       const v = p => Object.fromEntries(Object.entries(p.packages).filter(([k]) => k).map(([k, e]) => [k, e.version]));
       process.exit(JSON.stringify(v(a)) === JSON.stringify(v(b)) ? 0 : 1);' \
       "$kit/package-lock.json" "$kit/node_modules/.package-lock.json"; then
    echo "setup.sh: npm ci in clients/typescript" >&2
    (cd "$kit" && nice -n 10 npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  local stamp="$kit/dist/.built"
  if [[ ! -f "$stamp" ]] ||
     [[ -n "$(find "$kit/src" "$kit/tsconfig.json" "$kit/package-lock.json" -newer "$stamp" -print -quit)" ]]; then
    echo "setup.sh: building clients/typescript (tsc)" >&2
    (cd "$kit" && rm -rf dist && nice -n 10 npm run --silent build >&2 && touch "$stamp")
  fi
}

case "$what" in
  python) setup_python ;;
  typescript) setup_typescript ;;
  all) setup_python; setup_typescript ;;
  *) echo "usage: setup.sh [python|typescript|all]" >&2; exit 2 ;;
esac
