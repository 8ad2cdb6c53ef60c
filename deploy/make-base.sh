#!/usr/bin/env bash
# Make a stand-in for debian:bookworm-slim from Debian's own packages, for machines that reach
# Debian's mirror but no container registry: debootstrap a minimal bookworm into a folder, drop
# the package caches, documentation and translations (as the slim images do), and import the
# folder as an image.
#
#   sudo deploy/make-base.sh [IMAGE]        (default IMAGE: localhost/debian:bookworm-minbase)
#
# Then build with --build-arg DEBIAN_IMAGE=IMAGE (the runtime-base stage installs the CA
# certificates and libssl3 into it with apt-get; `podman build --isolation chroot` where the
# OCI runtime cannot start build containers). Needs root, debootstrap and podman.
set -euo pipefail

image=${1:-localhost/debian:bookworm-minbase}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
for tool in debootstrap podman; do
    command -v "$tool" >/dev/null || { echo "make-base: $tool is missing (apt-get install -y $tool)" >&2; exit 1; }
done

root=$(mktemp -d /var/tmp/salvage-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "make-base: debootstrap --variant=minbase bookworm into $root from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
    tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
tar --numeric-owner -C "$root" -c . | podman import --change 'CMD ["bash"]' - "$image" >/dev/null
echo "make-base: $image"
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$image"
