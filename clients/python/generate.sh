#!/usr/bin/env bash
# Regenerate the Python gRPC stubs of salvage_client from the repository's proto/ with
# grpcio-tools 1.85.1 (the version the committed stubs were made with).
#
#   clients/python/generate.sh           write src/salvage_client/_gen/
#   clients/python/generate.sh --check   regenerate into a temporary folder and compare with the
#                                        committed stubs: exit 1 (and show the diff) on a difference
#
# protoc's Python plugin writes absolute imports (`from salvage.v1 import salvage_pb2`); they are
# rewritten to `salvage_client._gen.salvage.v1` so the stubs live inside the package without
# touching sys.path. The rewrite is deterministic, so --check compares like with like.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROTO_ROOT="$(cd "$HERE/../../proto" && pwd)"
GEN="$HERE/src/salvage_client/_gen"
WANT_TOOLS="1.85.1"
PYTHON="${PYTHON:-python3}"

have="$("$PYTHON" -c 'import importlib.metadata as m; print(m.version("grpcio-tools"))' 2>/dev/null || true)"
if [[ "$have" != "$WANT_TOOLS" ]]; then
  echo "generate.sh: needs grpcio-tools==$WANT_TOOLS for $PYTHON (found: ${have:-none});" >&2
  echo "  pip install grpcio-tools==$WANT_TOOLS" >&2
  exit 2
fi

generate() { # $1: output folder (the _gen root)
  local out="$1"
  mkdir -p "$out"
  "$PYTHON" -m grpc_tools.protoc -I"$PROTO_ROOT" \
    --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" \
    "$PROTO_ROOT"/salvage/v1/*.proto
  # Package markers, and the import rewrite (see above).
  : >"$out/__init__.py"
  : >"$out/salvage/__init__.py"
  : >"$out/salvage/v1/__init__.py"
  local f
  for f in "$out"/salvage/v1/*.py "$out"/salvage/v1/*.pyi; do
    sed -i -e 's/^from salvage\.v1 import /from salvage_client._gen.salvage.v1 import /' "$f"
  done
}

if [[ "${1:-}" == "--check" ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  generate "$tmp/_gen"
  if diff -r -x __pycache__ "$GEN" "$tmp/_gen"; then
    echo "generate.sh --check: the committed stubs match proto/ (grpcio-tools $WANT_TOOLS)"
  else
    echo "generate.sh --check: the committed stubs differ from proto/: run clients/python/generate.sh and commit" >&2
    exit 1
  fi
elif [[ $# -eq 0 ]]; then
  rm -rf "$GEN"
  generate "$GEN"
  echo "generate.sh: wrote $GEN"
else
  echo "usage: generate.sh [--check]" >&2
  exit 2
fi
