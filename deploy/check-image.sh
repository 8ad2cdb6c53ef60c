#!/usr/bin/env bash
# Build Salvage's image and check it end to end: it starts as a non-root user on a read-only root
# file system with no capabilities, /healthz and /readyz answer 200, and one report is repaired
# and requeued into a private redis-server; then it shuts down cleanly on SIGTERM.
#
#   bash deploy/check-image.sh                          the multi-stage deploy/Containerfile
#   SALVAGE_BIN=target/release/salvage bash deploy/check-image.sh
#                                                       deploy/Containerfile.prebuilt around a
#                                                       binary built on the host (Debian 12)
#
# Needs podman (else SKIP, exit 0), redis-server, redis-cli, curl and python3 with grpcio and
# grpcio-tools. Environment:
#   IMAGE              the tag to build (default localhost/salvage:check); kept afterwards
#   DEBIAN_IMAGE       the runtime's base (default docker.io/library/debian:bookworm-slim). When it
#                      is not present and cannot be pulled, and debootstrap is installed, a stand-in
#                      is made from Debian's packages with deploy/make-base.sh
#                      (localhost/debian:bookworm-minbase)
#   RUST_IMAGE         the builder stage's image (multi-stage build only)
#   PODMAN_BUILD_OPTS  more options for `podman build` (e.g. `-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro`
#                      where crates.io is reached through a TLS-inspecting proxy whose CA only the host trusts)
#   PODMAN_RUN_OPTS    options for `podman run` instead of those found to work (see below)
# The script stops only what it started: its container (by name) and its redis-server (by PID).
#
# Where the OCI runtime cannot start containers as podman asks by default (a sandbox that refuses
# setrlimit or runs cgroups in hybrid mode), builds are retried with --isolation chroot, and
# `podman run` with runc and resource limits no higher than this shell's: the script says which
# options it used.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
image=${IMAGE:-localhost/salvage:check}
debian_image=${DEBIAN_IMAGE:-docker.io/library/debian:bookworm-slim}
name=salvage-check-$$
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }

command -v podman >/dev/null || { echo "SKIP: podman is missing (apt-get install -y podman)"; exit 0; }
for tool in redis-server redis-cli curl python3; do
    command -v "$tool" >/dev/null || fail "$tool is missing"
done
python3 -c 'import grpc, grpc_tools' 2>/dev/null \
    || fail "python3 needs grpcio and grpcio-tools (pip install grpcio grpcio-tools)"

work=$(mktemp -d)
redis_pid=
container_started=
cleanup() {
    if [ -n "$container_started" ]; then podman rm -f -t 0 "$name" >/dev/null 2>&1 || true; fi
    if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

step "podman $(podman version --format '{{.Client.Version}}'), base image $debian_image"
if ! podman image exists "$debian_image"; then
    if ! podman pull -q "$debian_image" >"$work/pull.log" 2>&1; then
        echo "cannot pull $debian_image: $(tail -1 "$work/pull.log")"
        command -v debootstrap >/dev/null \
            || fail "no base image: pull $debian_image, or install debootstrap for deploy/make-base.sh"
        debian_image=localhost/debian:bookworm-minbase
        if ! podman image exists "$debian_image"; then
            step "making a stand-in from Debian's packages: deploy/make-base.sh $debian_image"
            "$repo/deploy/make-base.sh" "$debian_image"
        fi
    fi
fi

build_opts=()
[ -z "${PODMAN_BUILD_OPTS:-}" ] || read -r -a build_opts <<<"$PODMAN_BUILD_OPTS"
build() { # podman build ARGS...; again with --isolation chroot when the runtime refuses RUN steps
    set -- "${build_opts[@]}" "$@"
    if podman build "$@" >"$work/build.log" 2>&1; then
        return 0
    fi
    if grep -qE 'setrlimit|cgroups|OCI runtime|creating container' "$work/build.log"; then
        echo "podman build could not start a build container ($(grep -m1 -oE '(setrlimit|cgroups)[^:]*' "$work/build.log" || echo OCI runtime)): again with --isolation chroot"
        podman build --isolation chroot "$@" >"$work/build.log" 2>&1 && return 0
    fi
    tail -30 "$work/build.log" >&2
    return 1
}

start=$(now)
if [ -n "${SALVAGE_BIN:-}" ]; then
    [ -x "$SALVAGE_BIN" ] || fail "SALVAGE_BIN=$SALVAGE_BIN is not an executable"
    step "building $image from deploy/Containerfile.prebuilt around $SALVAGE_BIN"
    ctx="$work/context"
    mkdir -p "$ctx/examples" "$ctx/deploy"
    cp "$SALVAGE_BIN" "$ctx/salvage"
    cp -r "$repo/examples/rules.toml" "$repo/examples/schemas" "$ctx/examples/"
    cp "$repo/deploy/salvage.toml" "$ctx/deploy/"
    build -f "$repo/deploy/Containerfile.prebuilt" --build-arg DEBIAN_IMAGE="$debian_image" \
        --build-arg BINARY=salvage -t "$image" "$ctx" || fail "podman build (prebuilt)"
else
    step "building $image from deploy/Containerfile (Rust stage: ${RUST_IMAGE:-as the Containerfile says})"
    build -f "$repo/deploy/Containerfile" --build-arg DEBIAN_IMAGE="$debian_image" \
        ${RUST_IMAGE:+--build-arg RUST_IMAGE="$RUST_IMAGE"} -t "$image" "$repo" \
        || fail "podman build (multi-stage); where no Rust image can be pulled, build on the host and set SALVAGE_BIN"
fi
echo "built in $(since "$start") s: $(podman images --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}' "$image")"

step "finding podman run options that work here"
nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] && nofile=1048576
{ [ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ]; } && nproc=4096
hardening=(--read-only --cap-drop ALL --security-opt no-new-privileges)
if [ -n "${PODMAN_RUN_OPTS+set}" ]; then
    read -r -a run_opts <<<"$PODMAN_RUN_OPTS"
else
    run_opts=()
    if ! podman run --rm "${hardening[@]}" "$image" --version >"$work/run.log" 2>&1; then
        echo "plain podman run fails: $(tail -1 "$work/run.log")"
        run_opts=(--runtime runc --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")
    fi
fi
podman run --rm "${run_opts[@]}" "${hardening[@]}" "$image" --version >"$work/run.log" 2>&1 \
    || fail "podman run ${run_opts[*]} cannot start the image: $(tail -1 "$work/run.log")"
echo "podman run ${run_opts[*]} ${hardening[*]}: $(cat "$work/run.log")"
echo "user: $(podman image inspect --format '{{.Config.User}}' "$image"), entrypoint: $(podman image inspect --format '{{.Config.Entrypoint}} {{.Config.Cmd}}' "$image")"

step "salvage check on the image's own configuration and rules"
podman run --rm "${run_opts[@]}" "${hardening[@]}" "$image" check --config /etc/salvage/salvage.toml \
    >"$work/check.log" 2>&1 || { cat "$work/check.log" >&2; fail "salvage check in the image"; }
tail -3 "$work/check.log"

step "a private redis-server"
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redis_port" ping >/dev/null || fail "redis-server did not start: $(tail -3 "$work/redis.log")"
echo "redis-server pid $redis_pid on 127.0.0.1:$redis_port"

step "running the image (host network, loopback ports; read-only root, no capabilities, uid 65532)"
grpc_port=$(free_port); admin_port=$(free_port); parking_port=$(free_port)
t0=$(now)
container_started=1
podman run -d --name "$name" --network host "${run_opts[@]}" "${hardening[@]}" \
    -e SALVAGE__REDIS__URL="redis://127.0.0.1:$redis_port" \
    -e SALVAGE__SERVER__GRPC_ADDR="127.0.0.1:$grpc_port" \
    -e SALVAGE__ADMIN__ADDR="127.0.0.1:$admin_port" \
    -e SALVAGE__PARKING_LOT__ADDR="127.0.0.1:$parking_port" \
    "$image" >/dev/null || fail "podman run -d"
healthy=
for _ in $(seq 300); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin_port/healthz")" = 200 ]; then
        healthy=$(since "$t0"); break
    fi
    [ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] \
        || { podman logs "$name" >&2; fail "the container exited at start"; }
    sleep 0.05
done
[ -n "$healthy" ] || { podman logs "$name" >&2; fail "/healthz did not answer 200 within 15 s"; }
echo "GET /healthz: 200 after $healthy s (from podman run -d)"
ready=
for _ in $(seq 100); do
    code=$(curl -s -o "$work/readyz" -w '%{http_code}' "http://127.0.0.1:$admin_port/readyz")
    if [ "$code" = 200 ]; then ready=$(since "$t0"); break; fi
    sleep 0.05
done
[ -n "$ready" ] || fail "/readyz answered $code: $(cat "$work/readyz")"
echo "GET /readyz: 200 \"$(tr -d '\n' <"$work/readyz")\" after $ready s"

step "one report (Python grpcio, stubs from proto/salvage/v1/salvage.proto)"
queue=orders-check
python3 "$repo/deploy/report-once.py" "127.0.0.1:$grpc_port" "$queue" || fail "the report was not requeued"
entry=$(redis-cli -p "$redis_port" --no-raw XRANGE "$queue" - + | tr -d '\n')
echo "$entry" | grep -q 'guest@shop.example' || fail "the repaired copy is not on the stream $queue: $entry"
echo "XRANGE $queue: one entry, payload repaired (customer.email = guest@shop.example)"
curl -s "http://127.0.0.1:$admin_port/metrics" | grep -E '^salvage_reports_total\{' \
    || fail "/metrics has no salvage_reports_total"

step "SIGTERM: a clean shutdown"
podman stop -t 20 "$name" >/dev/null
code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
podman logs "$name" 2>&1 | tail -4
[ "$code" = 0 ] || fail "the container exited with $code on SIGTERM"
echo "exit code 0"
echo "PASS: $image ($(podman image inspect --format '{{.Size}}' "$image" | numfmt --to=si)): healthy after $healthy s, ready after $ready s, one report requeued"
