#!/usr/bin/env bash
# Builds the OCI image of ledgerd and ledgerctl with buildah, FROM SCRATCH: no base image and no
# registry. The image holds the project's own build (build/services/ledgerd, build/tools/ledgerctl,
# debug info stripped), k8s/cluster/label-role.sh, this machine's curl and a static busybox
# (Debian's busybox-static) as /bin/sh with the applets label-role.sh uses, the shared libraries
# of these binaries copied from this Debian (ldd; real files, with the loader
# /lib64/ld-linux-x86-64.so.2 and the sonames kept as symlinks, as on the host), /etc/passwd and
# /etc/group with the user ledgerd (10001:10001), and the empty directories /data (owned by
# 10001) and /tmp (1777). Nothing else: no CA certificates (TLS material is mounted), no package
# manager. It runs with a read-only root filesystem, /data and /tmp writable.
#
# Usage: tools/image.sh [--tag NAME:TAG]... [--version V] [--oci-dir DIR] [--oci-archive FILE]
#                       [--no-strip]
#   --tag          image name (repeatable); default booo-ledger/ledgerd:VERSION and :latest
#   --version      org.opencontainers.image.version (default: env VERSION, else
#                  `git describe --always --dirty`)
#   --oci-dir      also write the image as an OCI image layout directory (oci:DIR:VERSION)
#   --oci-archive  also write it as an OCI layout tar archive
#   --no-strip     keep the binaries' debug info (about 100 MB each instead of a few)
# Needs root (as CI and the dev machines are), buildah and busybox-static
# (apt-get install buildah busybox-static), and builds ledgerd and ledgerctl first only when
# they are missing. BUILDAH_STORAGE_DRIVER (e.g. vfs) forces a storage driver; without it
# buildah's default (overlay here) is tried first and vfs when that cannot work.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

tags=()
version="${VERSION:-}"
oci_dir=""
oci_archive=""
strip_bins=1
usage() { sed -n '12,19p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tags+=("$2"); shift 2 ;;
    --tag=*) tags+=("${1#*=}"); shift ;;
    --version) version="$2"; shift 2 ;;
    --version=*) version="${1#*=}"; shift ;;
    --oci-dir) oci_dir="$2"; shift 2 ;;
    --oci-dir=*) oci_dir="${1#*=}"; shift ;;
    --oci-archive) oci_archive="$2"; shift 2 ;;
    --oci-archive=*) oci_archive="${1#*=}"; shift ;;
    --no-strip) strip_bins=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "image.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

die() { echo "image.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (buildah mount and the file owners of the image need it)"
command -v buildah >/dev/null || die "buildah is missing: apt-get install buildah"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || BUSYBOX="$(command -v busybox || true)"
[ -n "$BUSYBOX" ] && [ -x "$BUSYBOX" ] || die "busybox is missing: apt-get install busybox-static"
[[ "$(ldd "$BUSYBOX" 2>&1 || true)" == *"not a dynamic executable"* ]] \
  || die "$BUSYBOX is not static: apt-get install busybox-static (it replaces busybox)"
CURL="$(command -v curl || true)"
[ -n "$CURL" ] || die "curl is missing: apt-get install curl"

LEDGERD="$root/build/services/ledgerd"
LEDGERCTL="$root/build/tools/ledgerctl"
if [ ! -x "$LEDGERD" ] || [ ! -x "$LEDGERCTL" ]; then
  echo "image.sh: building ledgerd and ledgerctl first" >&2
  "$root/tools/build.sh" ledgerd ledgerctl
fi

revision="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
[ -n "$version" ] || version="$(git -C "$root" describe --always --dirty 2>/dev/null || echo dev)"
# An image tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}: anything else in the version becomes '-'.
tag_version="$(printf '%s' "$version" | tr -c 'A-Za-z0-9_.-' '-' | cut -c1-128)"
[ ${#tags[@]} -gt 0 ] || tags=("booo-ledger/ledgerd:$tag_version" "booo-ledger/ledgerd:latest")
source_url="${BOOO_IMAGE_SOURCE:-$(git -C "$root" config --get remote.origin.url 2>/dev/null || true)}"
[ -n "$source_url" ] || source_url="https://github.com/booo-ledger/booo-ledger"
created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# buildah: its default storage driver (overlay, as root) when that works here, else vfs, which
# works everywhere (slower, more disk). Nothing is RUN in the image, so the isolation only
# matters to buildah's own checks: chroot needs no runtime (crun/runc) at all.
export BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"
BUILDAH=(buildah)
[ -z "${BUILDAH_STORAGE_DRIVER:-}" ] || BUILDAH=(buildah --storage-driver "$BUILDAH_STORAGE_DRIVER")
ctr=""
mnt=""
cleanup() {
  if [ -n "$ctr" ]; then
    "${BUILDAH[@]}" umount "$ctr" >/dev/null 2>&1 || true
    "${BUILDAH[@]}" rm "$ctr" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
new_container() {
  ctr="$("${BUILDAH[@]}" from --name "booo-ledger-image-$$" scratch)" || { ctr=""; return 1; }
  mnt="$("${BUILDAH[@]}" mount "$ctr")" || { cleanup; ctr=""; return 1; }
}
if ! new_container; then
  [ -z "${BUILDAH_STORAGE_DRIVER:-}" ] || die "buildah cannot make a container (driver $BUILDAH_STORAGE_DRIVER)"
  echo "image.sh: buildah's default storage does not work here; trying --storage-driver vfs" >&2
  BUILDAH=(buildah --storage-driver vfs)
  new_container || die "buildah cannot make a container, with its default storage nor vfs"
fi
[ -n "$mnt" ] && [ -d "$mnt" ] && [ "$mnt" != / ] || die "bad mount point '$mnt'"
echo "image.sh: container $ctr at $mnt" >&2

# put PATH: make PATH resolve in the image as it does on the host. Each symlink met on the way
# (a directory such as /lib -> usr/lib, or the file itself, such as libssl.so.3 or the loader)
# is made again as the same symlink, and its target put in turn; the file at the end is copied.
# Everything is created under "$mnt" by its resolved path: a symlink in the image is never
# followed on the host.
put() {
  local path="$1" prefix="" comp target rest
  local -a parts
  IFS=/ read -ra parts <<<"${path#/}"
  local i n=${#parts[@]}
  for ((i = 0; i < n; i++)); do
    comp="${parts[$i]}"
    [ -n "$comp" ] || continue
    prefix="$prefix/$comp"
    if [ -L "$prefix" ]; then
      target="$(readlink "$prefix")"
      [ -L "$mnt$prefix" ] || [ -e "$mnt$prefix" ] || ln -s "$target" "$mnt$prefix"
      case "$target" in /*) ;; *) target="$(dirname "$prefix")/$target" ;; esac
      rest=""
      if ((i + 1 < n)); then rest="/$(IFS=/; echo "${parts[*]:i+1}")"; fi
      # The directories before this one are real (symlinks were followed): '..' can be
      # resolved by name.
      put "$(realpath -m -s "$target$rest")"
      return
    elif [ -d "$prefix" ]; then
      [ -d "$mnt$prefix" ] || mkdir -m 0755 "$mnt$prefix"
    elif [ -f "$prefix" ]; then
      [ -e "$mnt$prefix" ] || cp -p "$prefix" "$mnt$prefix"
      return
    else
      die "cannot put $path: $prefix is not a file"
    fi
  done
}

# put_libs BINARY: the shared libraries it loads (and the loader), as ldd finds them here.
put_libs() {
  local out lib
  out="$(ldd "$1")" || die "ldd $1 failed"
  if grep -q 'not found' <<<"$out"; then die "$1 misses libraries: $(grep 'not found' <<<"$out")"; fi
  for lib in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out"); do
    put "$lib"
  done
}

# Binaries.
install -d -m 0755 "$mnt/usr" "$mnt/usr/local" "$mnt/usr/local/bin"
for bin in "$LEDGERD" "$LEDGERCTL"; do
  dst="$mnt/usr/local/bin/$(basename "$bin")"
  if [ "$strip_bins" = 1 ]; then
    strip --strip-debug -o "$dst" "$bin"
  else
    cp "$bin" "$dst"
  fi
  chmod 0755 "$dst"
  put_libs "$bin"
done
install -m 0755 "$root/k8s/cluster/label-role.sh" "$mnt/usr/local/bin/label-role.sh"
put "$CURL"
put_libs "$CURL"
# busybox as /bin/sh, with the applets label-role.sh runs (sh, sed, cat, sleep; [, test and echo
# are ash builtins) linked next to it. Debian's busybox-static ash also runs its applets by name
# without these links (a standalone shell); the links are for programs that exec them by path
# (`kubectl exec POD -- cat ...`). Other applets are reachable as `busybox APPLET`.
put "$BUSYBOX"
bbdir="$(dirname "$(readlink -f "$BUSYBOX")")"
for applet in sh sed cat sleep; do
  [ -e "$mnt$bbdir/$applet" ] || ln -s busybox "$mnt$bbdir/$applet"
done
[ "$bbdir" = /bin ] || put /bin   # /bin -> usr/bin on a merged-/usr Debian
[ -x "$mnt/bin/sh" ] || die "/bin/sh does not resolve in the image"

# The user, and the writable directories.
install -d -m 0755 "$mnt/etc"
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
  'ledgerd:x:10001:10001:booo-ledger:/data:/sbin/nologin' >"$mnt/etc/passwd"
printf '%s\n' 'root:x:0:' 'ledgerd:x:10001:' >"$mnt/etc/group"
chmod 0644 "$mnt/etc/passwd" "$mnt/etc/group"
install -d -m 0755 -o 10001 -g 10001 "$mnt/data"
install -d -m 1777 "$mnt/tmp"
chmod 0755 "$mnt"

rootfs_kb="$(du -sk "$mnt" | cut -f1)"
"${BUILDAH[@]}" umount "$ctr" >/dev/null

labels=(
  --label "org.opencontainers.image.title=booo-ledger ledgerd"
  --label "org.opencontainers.image.description=booo-ledger: ledgerd (signed event ledger server) and ledgerctl"
  --label "org.opencontainers.image.version=$version"
  --label "org.opencontainers.image.revision=$revision"
  --label "org.opencontainers.image.source=$source_url"
  --label "org.opencontainers.image.created=$created"
)
"${BUILDAH[@]}" config \
  --os linux --arch amd64 \
  --user 10001:10001 \
  --workingdir /data \
  --env PATH=/usr/local/bin:/usr/bin:/bin \
  --env HOME=/data \
  --entrypoint '["/usr/local/bin/ledgerd"]' \
  --cmd '["--data-dir=/data/ledger"]' \
  --port 50051 --port 8443 --port 9464 --port 8081 \
  --stop-signal SIGTERM \
  --created-by "tools/image.sh" \
  "${labels[@]}" \
  "$ctr"

"${BUILDAH[@]}" commit --quiet --format oci --rm "$ctr" "${tags[0]}" >/dev/null
ctr=""
for t in "${tags[@]:1}"; do "${BUILDAH[@]}" tag "${tags[0]}" "$t"; done
image_id="$("${BUILDAH[@]}" images --noheading --no-trunc --format '{{.ID}}' "${tags[0]}" | head -1)"
image_size="$("${BUILDAH[@]}" images --noheading --format '{{.Size}}' "${tags[0]}" | head -1)"

if [ -n "$oci_dir" ]; then
  mkdir -p "$oci_dir"
  "${BUILDAH[@]}" push --quiet "${tags[0]}" "oci:$oci_dir:$tag_version"
  echo "image.sh: OCI layout in $oci_dir ($(du -sh "$oci_dir" | cut -f1))" >&2
fi
if [ -n "$oci_archive" ]; then
  mkdir -p "$(dirname "$oci_archive")"
  rm -f "$oci_archive"
  "${BUILDAH[@]}" push --quiet "${tags[0]}" "oci-archive:$oci_archive:$tag_version"
  echo "image.sh: OCI archive $oci_archive ($(du -sh "$oci_archive" | cut -f1))" >&2
fi

echo "image.sh: ${tags[*]} (version $version, revision $revision)" >&2
echo "image.sh: image $image_id: $image_size (buildah images); root filesystem $((rootfs_kb / 1024)) MiB (du)" >&2
echo "${tags[0]}"
