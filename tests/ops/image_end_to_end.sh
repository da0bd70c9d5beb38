#!/usr/bin/env bash
# The container image, end to end, with no registry and no container runtime: builds it with
# tools/image.sh into an OCI layout directory, unpacks its root filesystem from the layout
# (index.json -> manifest -> one tar(.gz) layer), checks the config (user 10001, workdir,
# entrypoint, stop signal, ports, OCI labels version and revision) and the contents (what must be
# there and nothing else), then runs it as a runtime would: in a private mount namespace, the
# root filesystem bind-mounted READ-ONLY with a directory at /data and a tmpfs at /tmp (and
# /dev, /proc, /sys), chrooted as uid 10001 with the image's Env and WorkingDir:
#   ledgerctl keygen + init; ledgerd serving; `ledgerctl health` SERVING and a checkpoint from
#   inside; the image's curl reading /metrics; label-role.sh's commands all found; SIGTERM:
#   exit 0 within 15 s, "ledgerd stopped" logged; a write outside /data and /tmp refused.
# No container runtime is used (podman is not installed here, and crun has been refused by the
# sandbox's rlimits/cgroups): unshare + chroot do what a runtime would.
# Usage: tests/ops/image_end_to_end.sh    (as root; needs buildah, busybox-static, python3,
#        util-linux; KEEP=1 keeps the scratch directory)
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# ---------------------------------------------------------------------------------------------
# The inside: run in a private mount namespace by the outside (below) as
#   image_end_to_end.sh --inside ROOTFS WORK
# ---------------------------------------------------------------------------------------------
if [ "${1:-}" = "--inside" ]; then
  R="$2"; WORK="$3"
  # The image config, as read by the outside: IMAGE_USER, IMAGE_WORKDIR, IMAGE_ENTRYPOINT and
  # IMAGE_ENV (arrays).
  source "$WORK/config.sh"
  CHROOT="$(command -v chroot)"
  LPID=""
  inside_cleanup() { if [ -n "$LPID" ]; then kill -9 "$LPID" 2>/dev/null || true; fi; }
  trap inside_cleanup EXIT
  if [ -n "${BOOO_E2E_DEBUG:-}" ]; then set -x; fi

  mount --make-rprivate /
  # Mount points a runtime makes before it turns the root read-only (on the unpacked copy).
  mkdir -p "$R/dev" "$R/proc" "$R/sys"
  mount --bind "$R" "$R"
  mount -t tmpfs -o mode=0755,size=1m,nosuid,noexec tmpfs "$R/dev"
  for d in null zero random urandom; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done
  mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
  mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys" 2>/dev/null || mount --rbind -o ro /sys "$R/sys"
  mkdir -p "$WORK/data"; chown 10001:10001 "$WORK/data"; chmod 0755 "$WORK/data"
  mount --bind "$WORK/data" "$R/data"
  mount -t tmpfs -o mode=1777,size=64m,nosuid,nodev tmpfs "$R/tmp"
  mount -o remount,bind,ro "$R"
  if touch "$R/usr/x" 2>/dev/null; then fail "root filesystem still writable (as root, from outside)"; fi
  ok "root filesystem mounted read-only; /data bind-mounted, /tmp a tmpfs"

  # in_image CMD...: CMD in the image as its user, with only its Env, from its WorkingDir.
  uid="${IMAGE_USER%%:*}"; gid="${IMAGE_USER#*:}"
  # (An array, not only a function: `"${IN_IMAGE[@]}" CMD &` is one process, exec'd down to CMD,
  # so that $! is CMD's pid.)
  IN_IMAGE=(env -i "${IMAGE_ENV[@]}" "$CHROOT" --userspec="$uid:$gid" --groups="$gid" "$R"
            /bin/sh -c 'cd "$0" && exec "$@"' "$IMAGE_WORKDIR")
  in_image() { "${IN_IMAGE[@]}" "$@"; }

  id_out="$(in_image busybox id)"
  [[ "$id_out" == "uid=10001(ledgerd) gid=10001(ledgerd)"* ]] || fail "id in the image: $id_out"
  ok "runs as $id_out"
  [ "$(in_image /bin/sh -c 'echo $HOME $PWD')" = "/data /data" ] || fail "HOME/PWD in the image"

  # 1. keygen + init.
  in_image ledgerctl keygen --out /data/ministry >"$WORK/keygen.out" || fail "ledgerctl keygen"
  [ -s "$WORK/data/ministry.key" ] || fail "ledgerctl keygen wrote no /data/ministry.key"
  in_image ledgerctl init --data-dir /data/ledger --root-key /data/ministry.key \
    --origin test/ledger --checkpoint-key-name test >"$WORK/init.out" 2>&1 \
    || { cat "$WORK/init.out" >&2; fail "ledgerctl init"; }
  [ -d "$WORK/data/ledger" ] || fail "ledgerctl init made no /data/ledger"
  ok "ledgerctl keygen and init in the image (data owned by $(stat -c %u:%g "$WORK/data/ledger"))"

  # 2. ledgerd, as the entrypoint with the flags of a plaintext development server.
  free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
  PORT=$(free_port); HPORT=$(free_port); MPORT=$(free_port)
  while [ "$HPORT" = "$PORT" ]; do HPORT=$(free_port); done
  while [ "$MPORT" = "$PORT" ] || [ "$MPORT" = "$HPORT" ]; do MPORT=$(free_port); done
  "${IN_IMAGE[@]}" "${IMAGE_ENTRYPOINT[@]}" --data-dir /data/ledger --listen "127.0.0.1:$PORT" \
    --plaintext-for-development --health-listen "127.0.0.1:$HPORT" \
    --metrics-listen "127.0.0.1:$MPORT" 2>"$WORK/ledgerd.err" &
  LPID=$!
  dump() { echo "--- ledgerd stderr" >&2; tail -20 "$WORK/ledgerd.err" >&2; }

  # 3. health and metrics, asked from inside the image.
  health=""
  for _ in $(seq 1 150); do
    kill -0 "$LPID" 2>/dev/null || { dump; fail "ledgerd exited at start"; }
    health="$(in_image ledgerctl --server "127.0.0.1:$HPORT" health --service booo.readiness 2>&1 || true)"
    [[ "$health" == *SERVING* ]] && [[ "$health" != *NOT_SERVING* ]] && break
    sleep 0.1
  done
  [[ "$health" == *SERVING* ]] && [[ "$health" != *NOT_SERVING* ]] || { dump; fail "health: $health"; }
  [ "$(tr '\0' ' ' </proc/$LPID/cmdline | cut -d' ' -f1)" = "${IMAGE_ENTRYPOINT[0]}" ] \
    || fail "the process signalled is not ledgerd: $(tr '\0' ' ' </proc/$LPID/cmdline)"
  [ "$(awk '/^Uid:/ {print $2}' /proc/$LPID/status)" = 10001 ] || fail "ledgerd does not run as 10001"
  ok "ledgerd (pid $LPID, uid 10001) readiness: $health"
  in_image ledgerctl --server "127.0.0.1:$PORT" checkpoint >"$WORK/checkpoint.out" 2>&1 \
    || { cat "$WORK/checkpoint.out" >&2; dump; fail "ledgerctl checkpoint over gRPC"; }
  ok "ledgerctl checkpoint over gRPC 127.0.0.1:$PORT (trust store pinned under \$HOME=/data)"
  in_image curl -sf "http://127.0.0.1:$MPORT/metrics" >"$WORK/metrics.out" || fail "curl /metrics"
  grep -q '^booo_log_tree_size' "$WORK/metrics.out" || fail "no booo_log_tree_size in /metrics"
  ok "the image's curl: /metrics has $(grep '^booo_log_tree_size' "$WORK/metrics.out" | head -1 | tr -d '\r')"

  # label-role.sh: no TLS material and no API server here, so it only loops (role unknown); what
  # is checked is that /bin/sh runs it and finds every command it uses.
  rc=0
  timeout 3 env -i "${IMAGE_ENV[@]}" POD_NAME=p POD_NAMESPACE=n "$CHROOT" \
    --userspec="$uid:$gid" --groups="$gid" "$R" /usr/local/bin/label-role.sh \
    >"$WORK/label-role.out" 2>"$WORK/label-role.err" || rc=$?
  [ "$rc" = 124 ] || { cat "$WORK/label-role.err" >&2; fail "label-role.sh ended by itself ($rc)"; }
  if grep -Eq ': not found$|applet not found|No such file or directory$' \
      <(grep -v "can't open '/var/run/secrets/" "$WORK/label-role.err"); then
    cat "$WORK/label-role.err" >&2; fail "label-role.sh misses a command"
  fi
  # With no service account token, cat says so on each turn of the loop: cat ran, and sleep
  # let the loop turn again.
  turns="$(grep -c "cat: can't open '/var/run/secrets/kubernetes.io/serviceaccount/token'" \
    "$WORK/label-role.err" || true)"
  [ "$turns" -ge 2 ] || { cat "$WORK/label-role.err" >&2; fail "label-role.sh did not loop"; }
  ok "label-role.sh runs under the image's /bin/sh: $turns turns in 3 s, no command missing"

  # 4. SIGTERM: a clean stop within 15 s.
  kill -TERM "$LPID"
  t0=$(date +%s%N)
  for _ in $(seq 1 150); do kill -0 "$LPID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$LPID" 2>/dev/null; then dump; fail "ledgerd still running 15 s after SIGTERM"; fi
  rc=0; wait "$LPID" || rc=$?
  LPID=""
  t1=$(date +%s%N)
  [ "$rc" = 0 ] || { dump; fail "ledgerd exited $rc after SIGTERM"; }
  grep -q '"ledgerd stopped' "$WORK/ledgerd.err" || { dump; fail "no \"ledgerd stopped\" logged"; }
  head -1 "$WORK/ledgerd.err" | python3 -c 'import json,sys; json.loads(sys.stdin.readline())' \
    || fail "ledgerd's stderr is not JSON lines"
  ok "SIGTERM: exit 0 after $(((t1 - t0) / 1000000)) ms, \"ledgerd stopped\" logged"
  in_image ledgerctl verify --data-dir /data/ledger >"$WORK/verify.out" 2>&1 \
    || { cat "$WORK/verify.out" >&2; fail "ledgerctl verify"; }
  ok "ledgerctl verify --data-dir /data/ledger"

  # 5. Read-only root: nothing written outside /data and /tmp.
  # uid 10001 may not write root's directories anyway: the error must be the read-only file
  # system's, and root in the same chroot is refused too.
  for p in /usr/x /x /etc/x /usr/local/bin/x /data/../usr/x; do
    if in_image /bin/sh -c ": >$p" 2>"$WORK/ro.err"; then fail "wrote $p in the image"; fi
    grep -q 'Read-only file system' "$WORK/ro.err" || fail "writing $p: $(cat "$WORK/ro.err")"
  done
  if in_image busybox touch /usr/x 2>"$WORK/ro.err"; then fail "touched /usr/x"; fi
  grep -q 'Read-only file system' "$WORK/ro.err" || fail "touch /usr/x: $(cat "$WORK/ro.err")"
  if in_image busybox mkdir /etc/x 2>"$WORK/ro.err"; then fail "made /etc/x"; fi
  grep -q 'Read-only file system' "$WORK/ro.err" || fail "mkdir /etc/x: $(cat "$WORK/ro.err")"
  if env -i "${IMAGE_ENV[@]}" "$CHROOT" "$R" /bin/sh -c ': >/usr/x' 2>"$WORK/ro.err"; then
    fail "root wrote /usr/x in the image"
  fi
  grep -q 'Read-only file system' "$WORK/ro.err" || fail "root writing /usr/x: $(cat "$WORK/ro.err")"
  in_image /bin/sh -c ': >/tmp/x && : >/data/x' || fail "cannot write /tmp or /data"
  ok "writes outside /data and /tmp refused (Read-only file system, even to root); /data and /tmp writable"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# The outside: build, unpack, check the image; then the inside in a private mount namespace.
# ---------------------------------------------------------------------------------------------
root="$(cd "$(dirname "$0")/../.." && pwd)"
self="$root/tests/ops/$(basename "$0")"
START=$(date +%s%N)
[ "$(id -u)" = 0 ] || fail "run as root (unshare -m, chroot, buildah)"
for t in buildah python3 unshare chroot tar; do command -v "$t" >/dev/null || fail "$t is missing"; done
WORK="$(mktemp -d /tmp/booo-image-e2e.XXXXXX)"
chmod 0755 "$WORK"
TAG="localhost/booo-ledger/ledgerd:e2e-$$"
cleanup() {
  buildah rmi "$TAG" >/dev/null 2>&1 || true
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

echo "== build: tools/image.sh --tag $TAG --oci-dir $WORK/oci"
B0=$(date +%s%N)
"$root/tools/image.sh" --tag "$TAG" --oci-dir "$WORK/oci" >"$WORK/image.out" 2>"$WORK/image.err" \
  || { cat "$WORK/image.err" >&2; fail "tools/image.sh"; }
B1=$(date +%s%N)
sed 's/^/  /' "$WORK/image.err"
ok "image built in $(((B1 - B0) / 1000000)) ms"

echo "== unpack the OCI layout and check the config"
R="$WORK/rootfs"
mkdir "$R"
GIT_DESCRIBE="$(git -C "$root" describe --always)" GIT_HEAD="$(git -C "$root" rev-parse HEAD)" \
python3 - "$WORK/oci" "$R" "$WORK/config.sh" <<'EOF'
import json, os, shlex, subprocess, sys
oci, rootfs, config_sh = sys.argv[1:4]
def fail(msg):
    print("FAIL: " + msg, file=sys.stderr); sys.exit(1)
def blob(digest):
    algo, hexd = digest.split(":", 1)
    return os.path.join(oci, "blobs", algo, hexd)
layout = json.load(open(os.path.join(oci, "oci-layout")))
if layout.get("imageLayoutVersion") != "1.0.0": fail("oci-layout: %r" % layout)
index = json.load(open(os.path.join(oci, "index.json")))
if len(index["manifests"]) != 1: fail("index.json: %d manifests" % len(index["manifests"]))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
config = json.load(open(blob(manifest["config"]["digest"])))
layers = manifest["layers"]
print("  manifest %s: %d layer(s), %s" % (index["manifests"][0]["digest"][:19], len(layers),
      ", ".join("%s %.1f MB" % (l["mediaType"].rsplit(".", 1)[-1], l["size"] / 1e6) for l in layers)))
if len(layers) != 1: fail("FROM scratch and one commit: one layer expected, got %d" % len(layers))
for l in layers:
    mt = l["mediaType"]
    if not (mt.endswith("tar") or mt.endswith("tar+gzip") or mt.endswith("tar+zstd")):
        fail("layer media type " + mt)
    names = subprocess.run(["tar", "-tf", blob(l["digest"])], check=True, capture_output=True,
                           text=True).stdout.split("\n")
    if any(os.path.basename(n.rstrip("/")).startswith(".wh.") for n in names): fail("whiteouts in a layer")
    # GNU tar: gzip found by itself, ownership and modes kept (root), numeric ids.
    subprocess.run(["tar", "-xpf", blob(l["digest"]), "-C", rootfs, "--numeric-owner"], check=True)
    print("  layer %s unpacked (%.1f MB compressed)" % (l["digest"][:19], l["size"] / 1e6))
c = config["config"]
labels = c.get("Labels") or {}
def want(cond, what):
    if not cond: fail(what)
    print("ok: " + what)
want(config.get("os") == "linux" and config.get("architecture") == "amd64", "linux/amd64")
want(c.get("User") == "10001:10001", "User 10001:10001 (%s)" % c.get("User"))
want(c.get("WorkingDir") == "/data", "WorkingDir /data")
want(c.get("Entrypoint") == ["/usr/local/bin/ledgerd"], "Entrypoint %s" % c.get("Entrypoint"))
want(c.get("Cmd") == ["--data-dir=/data/ledger"], "Cmd %s" % c.get("Cmd"))
want(c.get("StopSignal") == "SIGTERM", "StopSignal SIGTERM")
want(sorted(c.get("ExposedPorts", {})) == sorted(["50051", "8443", "9464", "8081"]) or
     sorted(c.get("ExposedPorts", {})) == sorted(["50051/tcp", "8443/tcp", "9464/tcp", "8081/tcp"]),
     "ExposedPorts %s" % " ".join(sorted(c.get("ExposedPorts", {}))))
ver = labels.get("org.opencontainers.image.version", "")
want(ver in (os.environ["GIT_DESCRIBE"], os.environ["GIT_DESCRIBE"] + "-dirty"),
     "label org.opencontainers.image.version=%s (git describe --always --dirty)" % ver)
rev = labels.get("org.opencontainers.image.revision", "")
want(rev == os.environ["GIT_HEAD"], "label org.opencontainers.image.revision=%s (HEAD)" % rev)
for k in ("source", "title", "created"):
    v = labels.get("org.opencontainers.image." + k, "")
    want(v != "", "label org.opencontainers.image.%s=%s" % (k, v))
env = c.get("Env") or []
want(any(e.startswith("PATH=") for e in env), "Env %s" % " ".join(env))
with open(config_sh, "w") as f:
    f.write("IMAGE_USER=%s\n" % shlex.quote(c["User"]))
    f.write("IMAGE_WORKDIR=%s\n" % shlex.quote(c["WorkingDir"]))
    f.write("IMAGE_ENTRYPOINT=(%s)\n" % " ".join(shlex.quote(x) for x in c["Entrypoint"]))
    f.write("IMAGE_ENV=(%s)\n" % " ".join(shlex.quote(x) for x in env))
EOF

echo "== contents"
for f in usr/local/bin/ledgerd usr/local/bin/ledgerctl usr/local/bin/label-role.sh usr/bin/curl \
         usr/bin/busybox; do
  [ -f "$R/$f" ] && [ -x "$R/$f" ] || fail "/$f missing or not executable"
done
# /bin/sh and its applets, resolved inside the root filesystem (the links are relative).
for a in sh sed cat sleep; do
  [ "$(readlink -f "$R/bin/$a")" = "$R/usr/bin/busybox" ] || fail "/bin/$a is not busybox"
done
cmp -s "$R/usr/local/bin/label-role.sh" "$root/k8s/cluster/label-role.sh" || fail "label-role.sh differs"
[ -L "$R/lib64" ] && [ -L "$R/usr/lib64/ld-linux-x86-64.so.2" ] || fail "no loader link /lib64/ld-linux-x86-64.so.2"
ok "ledgerd, ledgerctl, label-role.sh, curl, busybox as /bin/sh (sh sed cat sleep), loader link"
grep -qx 'ledgerd:x:10001:10001:[^:]*:/data:[^:]*' "$R/etc/passwd" || fail "/etc/passwd: $(cat "$R/etc/passwd")"
grep -qx 'ledgerd:x:10001:' "$R/etc/group" || fail "/etc/group: $(cat "$R/etc/group")"
[ "$(stat -c %u:%g:%a "$R/data")" = "10001:10001:755" ] || fail "/data: $(stat -c %u:%g:%a "$R/data")"
[ "$(stat -c %u:%g:%a "$R/tmp")" = "0:0:1777" ] || fail "/tmp: $(stat -c %u:%g:%a "$R/tmp")"
[ -z "$(ls -A "$R/data" "$R/tmp" | grep -v '^/\|^$' || true)" ] || fail "/data or /tmp not empty"
ok "/etc/passwd and /etc/group with ledgerd 10001:10001; /data (10001, 755) and /tmp (1777) empty"
# Nothing else: every file is one of these.
extra="$(cd "$R" && find . ! -type d ! -type l | sed 's|^\./||' \
  | grep -Ev '^(usr/local/bin/(ledgerd|ledgerctl|label-role\.sh)|usr/bin/(curl|busybox)|usr/lib/x86_64-linux-gnu/[^/]+\.so[.0-9]*|etc/(passwd|group))$' || true)"
[ -z "$extra" ] || fail "files that do not belong in the image: $extra"
top="$(cd "$R" && ls -A | tr '\n' ' ')"
[ "$top" = "bin data etc lib lib64 tmp usr " ] || fail "top level: $top"
ok "nothing else (top level: $top; $(cd "$R" && find . -type f | wc -l) files)"
ROOTFS_SIZE="$(du -sh "$R" | cut -f1)"
LAYER_SIZE="$(du -sh "$WORK/oci/blobs" | cut -f1)"

echo "== run: read-only root, /data and /tmp writable, uid 10001 (unshare -m + chroot)"
unshare --mount --propagation private -- bash "$self" --inside "$R" "$WORK" \
  || fail "the image does not run as it should"

END=$(date +%s%N)
echo "image: root filesystem $ROOTFS_SIZE (du), OCI layout $LAYER_SIZE; $(buildah images --noheading --format '{{.Size}}' "$TAG" 2>/dev/null | head -1) (buildah images)"
echo "PASS: image end to end in $(((END - START) / 1000000)) ms (build $(((B1 - B0) / 1000000)) ms)"
