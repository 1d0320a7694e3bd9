#!/usr/bin/env bash
# Builds the container image (Dockerfile) on the tests' Docker engine, where no registry is
# reachable: the Debian 12 base is made here (debootstrap, then docker import, under the
# public name the Dockerfile uses), and the build stage, which compiles the tree as any
# build does, is replaced by the packages this build made (cpack): the image's own stage
# is the Dockerfile's, unchanged (docker build . builds the whole of it).
#
#   image.sh BUILD_DIR DOCKER_HOST TAG
set -euo pipefail
build=$(realpath "${1:?usage: image.sh BUILD_DIR DOCKER_HOST TAG}")
host=${2:?usage: image.sh BUILD_DIR DOCKER_HOST TAG}
tag=${3:?usage: image.sh BUILD_DIR DOCKER_HOST TAG}
source_dir=$(realpath "$(dirname "$0")/../..")
docker_cli() { DOCKER_BUILDKIT=0 docker -H "$host" "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

base=debian:bookworm-slim
if ! docker_cli image inspect "$base" >/dev/null 2>&1; then
  mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+debian/?' /etc/apt/sources.list \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -n 1 || true)
  mirror=${SLUICE_DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}
  debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log"; exit 1; }
  rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
  tar -C "$work/root" -c . | docker_cli import - "$base" >/dev/null
  rm -rf "$work/root"
fi

# Into a folder of this run's own: the package and image tests may run at once.
(cd "$build" && cpack -G DEB -B "$work/packages" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
mkdir -p "$work/context/packages"
cp "$work"/packages/sluice_*.deb "$work/context/packages/"
# What the image's stage copies from the tree.
mkdir -p "$work/context/deploy"
cp -r "$source_dir/deploy/docker" "$work/context/deploy/"
{
  echo "FROM $base AS build"
  echo "COPY packages/ /packages/"
  # The Dockerfile from its last FROM on: the image's stage as shipped.
  awk '/^FROM /{ n = NR } { line[NR] = $0 } END { for (i = n; i <= NR; ++i) print line[i] }' \
    "$source_dir/Dockerfile"
} >"$work/context/Dockerfile"
docker_cli build --network host -t "$tag" "$work/context" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; exit 1; }
echo "image.sh: built $tag"
