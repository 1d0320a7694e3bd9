#!/usr/bin/env bash
# The Debian packages as an operator meets them: built by CPack from BUILD_DIR, checked by
# lintian, then installed into a clean Debian 12 root (debootstrap, minbase) with apt, which
# brings their dependencies from the same mirror as this machine's. Checks the files, the
# user and its groups, the state folder, that the packaged config validates as the service
# user; then that an upgrade and a removal keep the state and the operator's edit of the
# config, and that a purge removes them. Needs root; exits 77 (skipped) without it.
#
#   package.sh BUILD_DIR
set -euo pipefail
build=$(realpath "${1:?usage: package.sh BUILD_DIR}")
if [ "$(id -u)" -ne 0 ]; then
  echo "package.sh: a chroot needs root: skipped" >&2
  exit 77
fi
work=$(mktemp -d)
root="$work/root"
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }
in_root() { chroot "$root" "$@"; }
step() { echo "=== $*"; }

step "build the packages"
rm -f "$build"/sluice*.deb
# Into a folder of this run's own: the package and image tests may run at once.
(cd "$build" && cpack -G DEB -B "$work/packages" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/packages/sluice_*_amd64.deb)
dev=$(ls "$work"/packages/sluice-dev_*_all.deb)

step "lintian"
lintian --fail-on error --suppress-tags no-manual-page "$deb" "$dev" || fail "lintian found errors"

step "a clean Debian 12 root"
# The mirror this machine's apt uses; deb.debian.org where none is named.
mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+debian/?' /etc/apt/sources.list \
  /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -n 1 || true)
mirror=${SLUICE_DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 20 "$work/debootstrap.log"; fail "debootstrap from $mirror"; }
cp /etc/resolv.conf "$root/etc/resolv.conf"
# sluice finds its plugins beside its own binary, through /proc/self/exe.
mount -t proc proc "$root/proc"
# As on a host with Docker: the group exists before the package comes.
in_root groupadd --system docker
cp "$deb" "$dev" "$root/tmp/"
export DEBIAN_FRONTEND=noninteractive
in_root apt-get update -qq
apt_install() { in_root apt-get install -y -qq -o Dpkg::Options::=--force-confold "$@"; }

step "install"
apt_install "/tmp/$(basename "$deb")" "/tmp/$(basename "$dev")" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "apt-get install"; }
for f in /usr/bin/sluice /usr/lib/sluice/plugins/docker_source.so \
  /usr/lib/sluice/plugins/loki_sink.so /etc/sluice/sluice.yaml /etc/default/sluice \
  /lib/systemd/system/sluice.service /usr/share/doc/sluice/copyright \
  /usr/include/sluice/plugin.hpp /usr/share/pkgconfig/sluice-sdk.pc; do
  [ -e "$root$f" ] || fail "$f is not installed"
done
in_root dpkg-query -W -f='${Conffiles}\n' sluice | grep -q '/etc/sluice/sluice.yaml' ||
  fail "/etc/sluice/sluice.yaml is not a conffile"
groups=$(in_root id -nG sluice)
for g in sluice adm docker; do
  echo " $groups " | grep -q " $g " || fail "user sluice is not in group $g (it is in: $groups)"
done
[ "$(in_root stat -c '%U:%G %a' /var/lib/sluice)" = "sluice:sluice 750" ] ||
  fail "/var/lib/sluice is $(in_root stat -c '%U:%G %a' /var/lib/sluice)"
# The service's user finds the plugins beside the binary and accepts the shipped config.
in_root setpriv --reuid=sluice --regid=sluice --init-groups \
  /usr/bin/sluice validate -c /etc/sluice/sluice.yaml | tee "$work/validate.out"
grep -q 'valid (3 nodes)' "$work/validate.out" || fail "the shipped config does not validate"
in_root /usr/bin/sluice plugins | grep -q '^loki_sink ' || fail "sluice plugins misses loki_sink"

step "upgrade keeps the state and the operator's edit of the config"
echo "# the operator's edit" >>"$root/etc/sluice/sluice.yaml"
in_root setpriv --reuid=sluice --regid=sluice --init-groups touch /var/lib/sluice/positions
# The next revision, whose packaged config changed too: dpkg must keep the edited one.
dpkg-deb -R "$deb" "$work/next"
sed -i 's/^Version: .*/&+next1/' "$work/next/DEBIAN/control"
echo "# changed by the next revision" >>"$work/next/etc/sluice/sluice.yaml"
dpkg-deb -b --root-owner-group "$work/next" "$root/tmp/sluice-next.deb" >/dev/null
apt_install /tmp/sluice-next.deb >"$work/upgrade.log" 2>&1 ||
  { cat "$work/upgrade.log"; fail "the upgrade"; }
in_root dpkg-query -W -f='${Version}\n' sluice | grep -q '+next1$' || fail "not upgraded"
grep -q "the operator's edit" "$root/etc/sluice/sluice.yaml" || fail "the upgrade lost the edit"
[ -e "$root/etc/sluice/sluice.yaml.dpkg-dist" ] || fail "the new config is not beside the old"
[ -e "$root/var/lib/sluice/positions" ] || fail "the upgrade lost the state"

step "removal keeps them; purge removes them"
in_root apt-get remove -y -qq sluice >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "remove"; }
[ ! -e "$root/usr/bin/sluice" ] || fail "/usr/bin/sluice is still there after removal"
grep -q "the operator's edit" "$root/etc/sluice/sluice.yaml" || fail "removal lost the config"
[ -e "$root/var/lib/sluice/positions" ] || fail "removal lost the state"
in_root apt-get purge -y -qq sluice >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "purge"; }
[ ! -e "$root/etc/sluice/sluice.yaml" ] || fail "purge left the config"
[ ! -e "$root/var/lib/sluice" ] || fail "purge left the state"
echo "package.sh: every check passed"
