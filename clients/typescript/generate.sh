#!/usr/bin/env bash
# Regenerate the TypeScript types of the Salvage protos (src/gen/) with proto-loader-gen-types,
# the generator that ships in @grpc/proto-loader (pinned in package-lock.json). The protos
# themselves are loaded at run time by @grpc/proto-loader; these files only type them.
#
#   clients/typescript/generate.sh           write src/gen/
#   clients/typescript/generate.sh --check   regenerate into a temporary folder, compare: exit 1
#                                            (and show the diff) on a difference
# Needs `npm ci` first (clients/setup.sh typescript).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROTO_ROOT="$(cd "$HERE/../../proto" && pwd)"
GEN="$HERE/src/gen"

generate() { # $1: output folder
  (cd "$HERE" && npx --no-install proto-loader-gen-types --keepCase --longs=String --enums=String \
    --defaults --oneofs --includeComments --grpcLib=@grpc/grpc-js \
    -I "$PROTO_ROOT" -O "$1" salvage/v1/salvage.proto salvage/v1/parking_lot.proto >/dev/null)
  # The generator writes the proto's absolute path in a comment: make it the repository's.
  find "$1" -name '*.ts' -exec sed -i -e "s#^// Original file: $PROTO_ROOT/#// Original file: proto/#" {} +
}

if [[ "${1:-}" == "--check" ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  generate "$tmp/gen"
  if diff -r "$GEN" "$tmp/gen"; then
    echo "generate.sh --check: src/gen matches proto/"
  else
    echo "generate.sh --check: src/gen differs from proto/: run clients/typescript/generate.sh and commit" >&2
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
