#!/usr/bin/env bash
# make test-arm64: runs the whole test suite on an arm64 Linux kernel, booted
# under qemu-system-aarch64 (TCG: no KVM, no arm64 machine needed).
#
# On the host it
#   - installs what is missing, as root: qemu-system-arm, gcc-aarch64-linux-gnu,
#     cpio; adds dpkg's arm64 architecture and downloads (apt-get download) a
#     Debian arm64 kernel and the guest's userland: busybox-static, and glibc,
#     bash and script(1) (util-linux's bsdutils) with their libraries;
#   - cross-builds every test package (GOARCH=arm64 go test -c), bin/ktrace and
#     bin/kdump, and the C test programs (testdata/progs/*.c, and the C sources
#     that tracer/*_test.go hold in "const <name>Source" constants);
#   - packs them with the module's files (testdata, goldens) into an initramfs
#     whose /init runs each package's tests from its package directory, with
#     KTRACE_TEST_BIN and KTRACE_TEST_PROGS naming the prebuilt binaries (see
#     internal/testutil.Prebuilt), prints one line per package and a total,
#     and powers off;
#   - boots it, shows the guest's output as it comes, and exits non-zero if a
#     package failed or the guest did not finish in time. A crash of the
#     guest's kernel itself (an oops or a panic before the tests report) is
#     shown and gets one more boot; a second crash fails.
#
# Downloads are cached under .cache/arm64 (KTRACE_ARM64_CACHE); a second run
# downloads nothing. Settings (environment):
#   KTRACE_ARM64_TIMEOUT  seconds the guest may run (default 1800)
#   KTRACE_ARM64_RUN      -test.run pattern for every package (default: all)
#   KTRACE_ARM64_SKIP     -test.skip pattern for every package (default: none)
#   KTRACE_ARM64_PKGS     packages to run, e.g. "./tracer ./cmd/ktrace"
#                         (default: every package with tests)
#   KTRACE_ARM64_SMP, KTRACE_ARM64_MEM   guest CPUs (2) and memory in MiB (2048)
#   KTRACE_ARM64_CPU      qemu's -cpu (default max,pauth-impdef=on: every
#                         feature, with the pointer authentication that TCG
#                         emulates fast)
#   KTRACE_ARM64_BOOTS    boots at most when the guest's kernel crashes
#                         before the tests report (default 2)
#   KTRACE_ARM64_CMD      a shell command to run in the guest (in /ktrace, with
#                         bin/ and progs/ in .bin and .progs) instead of the
#                         tests: for looking into an arm64 failure by hand
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
cache=${KTRACE_ARM64_CACHE:-$root/.cache/arm64}
timeout_s=${KTRACE_ARM64_TIMEOUT:-1800}
smp=${KTRACE_ARM64_SMP:-2}
mem=${KTRACE_ARM64_MEM:-2048}
cpu=${KTRACE_ARM64_CPU:-max,pauth-impdef=on}
GO=${GO:-go}
export PATH="$PATH:/usr/local/go/bin"

# The guest's userland, from Debian's arm64 archive: a shell and tools
# (busybox), and for the C test programs, bash and script(1) (job-control
# tests), glibc and the libraries they link.
guest_pkgs=(busybox-static libc6 libgcc-s1 bash libtinfo6 bsdutils libsystemd0
	libcap2 libgcrypt20 libgpg-error0 liblz4-1 liblzma5 libzstd1)
# Tests that cannot run in the guest, as -test.skip patterns per package.
declare -A pkg_skip=(
	# Regenerating the tables runs "go list": a host matter, checked by make test.
	[arch/internal/gen]='^TestUpToDate$'
)

say() { printf 'test-arm64: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}

apt_updated=
apt_update() {
	if [ -z "$apt_updated" ]; then
		say "apt-get update"
		apt-get update -q >&2
		apt_updated=1
	fi
}
need_root() {
	[ "$(id -u)" = 0 ] || die "$1 is missing; run as root to install it (or install it yourself)"
}

# --- host tools ------------------------------------------------------------
need=()
command -v qemu-system-aarch64 >/dev/null || need+=(qemu-system-arm)
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v cpio >/dev/null || need+=(cpio)
if [ ${#need[@]} -gt 0 ]; then
	need_root "${need[*]}"
	apt_update
	say "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi
command -v "$GO" >/dev/null || die "no Go toolchain ($GO)"

# --- arm64 packages from Debian --------------------------------------------
debs=$cache/debs
mkdir -p "$debs"
have_deb() { compgen -G "$debs/$1_*_arm64.deb" >/dev/null; }
arm64_ready=
arm64_apt() {
	[ -n "$arm64_ready" ] && return
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		need_root "dpkg's arm64 architecture"
		say "dpkg --add-architecture arm64"
		dpkg --add-architecture arm64
		apt_updated=
	fi
	# The arm64 package lists may be missing even when the architecture was
	# added earlier.
	if [ -z "$(apt-cache madison busybox-static:arm64 2>/dev/null)" ]; then
		need_root "the arm64 package lists"
		apt_update
	fi
	arm64_ready=1
}
download() {
	arm64_apt
	say "apt-get download $*"
	(cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$@" >&2)
}

missing=()
for p in "${guest_pkgs[@]}"; do
	have_deb "$p" || missing+=("$p:arm64")
done
[ ${#missing[@]} -eq 0 ] || download "${missing[@]}"

# The kernel: the cloud flavour (PL011 console, virtio, boots in seconds).
# linux-image-cloud-arm64 depends on the current versioned image; take its
# -unsigned build (the signed one boots the same way under -kernel).
if ! compgen -G "$debs/linux-image-*_arm64.deb" >/dev/null; then
	arm64_apt
	kpkg=$(apt-cache depends linux-image-cloud-arm64:arm64 |
		sed -n 's/^ *Depends: \(linux-image-[^:]*-cloud-arm64\)\(:arm64\)\?$/\1/p' | head -n1)
	[ -n "$kpkg" ] || die "cannot find the kernel package that linux-image-cloud-arm64:arm64 depends on"
	if apt-cache show "$kpkg-unsigned:arm64" >/dev/null 2>&1; then
		kpkg=$kpkg-unsigned
	fi
	download "$kpkg:arm64"
fi
kdeb=$(compgen -G "$debs/linux-image-*_arm64.deb" | sort -V | tail -n1)
kernel=$cache/vmlinuz-$(basename "$kdeb" .deb)
if [ ! -s "$kernel" ]; then
	say "extracting the kernel from $(basename "$kdeb")"
	tmp=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
	mv "$tmp"/boot/vmlinuz-* "$kernel"
	rm -rf "$tmp"
fi

# --- the guest's file system ------------------------------------------------
stage=$cache/root
rm -rf "$stage"
mkdir -p "$stage"
for p in "${guest_pkgs[@]}"; do
	dpkg-deb -x "$(compgen -G "$debs/${p}_*_arm64.deb" | sort -V | tail -n1)" "$stage"
done
rm -rf "$stage"/usr/share/{doc,man,info,locale,lintian,bash-completion}
mkdir -p "$stage"/{proc,sys,dev,tmp,run,root,etc,mnt,sbin,usr/bin,usr/sbin}
ln -s busybox "$stage/bin/sh" # /init's shell; init links the other applets
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$stage/etc/passwd"
printf '%s\n' 'root:x:0:' 'tty:x:5:' 'nogroup:x:65534:' >"$stage/etc/group"
echo ktrace-arm64 >"$stage/etc/hostname"

# The module's own files, so that tests find testdata, goldens and go.mod
# where they look for them (relative to their package directory).
mod=$stage/ktrace
mkdir -p "$mod"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do
		[ ! -f "$f" ] || cp --parents -- "$f" "$mod"
	done
[ -f "$mod/go.mod" ] || die "copying the module into the guest failed"

say "cross-building ktrace and kdump for arm64"
export GOOS=linux GOARCH=arm64 CGO_ENABLED=0
mkdir -p "$mod/.bin" "$mod/.progs"
for c in ktrace kdump; do
	"$GO" build -ldflags "$(make -s --no-print-directory ldflags-$c)" -o "$mod/.bin/" ./cmd/$c
done

# internal/stdfds's test programs (the tests build them so where a
# toolchain is at hand): the waiting-front program linked as ktrace is,
# the others with the entry point only (stdfds.LinkFlag, the first of
# ktrace's link flags) and without it (NAME.plain).
ldk=$(make -s --no-print-directory ldflags-ktrace)
"$GO" build -ldflags "$ldk" -o "$mod/.progs/frontprog" ./internal/stdfds/testdata/frontprog
for p in standbyprog detachprog; do
	"$GO" build -ldflags "${ldk%% *}" -o "$mod/.progs/$p" ./internal/stdfds/testdata/$p
	"$GO" build -o "$mod/.progs/$p.plain" ./internal/stdfds/testdata/$p
done

say "cross-compiling the C test programs"
cflags=(-O2 -Wall -pthread)
for src in testdata/progs/*.c; do
	aarch64-linux-gnu-gcc "${cflags[@]}" -o "$mod/.progs/$(basename "$src" .c)" "$src"
done
# tracer/*_test.go keep their C programs in constants: const <name>Source = `...`.
csrc=$(mktemp -d)
awk -v dir="$csrc" '
	/^const [A-Za-z0-9_]+Source = `$/ { name = $2; sub(/Source$/, "", name); out = dir "/" name ".c"; next }
	out != "" && /^`$/ { close(out); out = ""; next }
	out != "" { print > out }
' tracer/*_test.go
for src in "$csrc"/*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	[ ! -e "$mod/.progs/$name" ] || die "tracer's C program $name clashes with testdata/progs/$name.c"
	aarch64-linux-gnu-gcc -O2 -o "$mod/.progs/$name" "$src"
done
rm -rf "$csrc"

say "cross-building the tests"
if [ -n "${KTRACE_ARM64_PKGS:-}" ]; then
	read -r -a pkgs <<<"$KTRACE_ARM64_PKGS"
else
	pkgs=(./...)
fi
mapfile -t dirs < <("$GO" list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.Dir}}{{end}}' "${pkgs[@]}")
[ ${#dirs[@]} -gt 0 ] || die "no test packages in ${pkgs[*]}"
: >"$mod/.packages"
for d in "${dirs[@]}"; do
	rel=${d#"$root"/}
	"$GO" test -c -o "$mod/$rel/arm64.test" "./$rel"
	skip=${pkg_skip[$rel]:-}
	if [ -n "${KTRACE_ARM64_SKIP:-}" ]; then
		skip=${skip:+$skip|}$KTRACE_ARM64_SKIP
	fi
	printf '%s %s\n' "$rel" "$skip" >>"$mod/.packages"
done
unset GOOS GOARCH CGO_ENABLED
# Everything the guest user nobody runs must be reachable.
chmod -R a+rX "$mod"

cat >"$stage/init" <<'EOF'
#!/bin/sh
# The guest's init: run every test package, print a summary, power off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR=/tmp TERM=dumb
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -s /proc/self/fd /dev/fd # bash's process substitution
ln -s fd/0 /dev/stdin
ln -s fd/1 /dev/stdout
ln -s fd/2 /dev/stderr
hostname ktrace-arm64
# Process ids of a machine that has been up for a while: tests take
# values above 4096 for pointers, not pids.
echo 9999 >/proc/sys/kernel/ns_last_pid
ip link set lo up 2>/dev/null
echo "arm64 guest: $(uname -srm), $(nproc) CPUs, ptrace_scope $(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo -)"

export KTRACE_TEST_BIN=/ktrace/.bin KTRACE_TEST_PROGS=/ktrace/.progs
# Emulated, the guest runs several times slower than the host: tests
# stretch their timing-sensitive steps by this factor.
export KTRACE_TEST_SLOW=${KTRACE_TEST_SLOW:-4}
if [ -s /ktrace/.cmd ]; then
	echo "=== arm64 command: $(cat /ktrace/.cmd)"
	(cd /ktrace && sh /ktrace/.cmd </dev/null 2>&1)
	echo "ARM64-RESULT: command exited $?"
	poweroff -f
fi
run=$(cat /ktrace/.run 2>/dev/null)
passed=0 failed=0 skipped=0 pkgfail=0
summary=
while read -r pkg skip; do
	echo "=== arm64 package $pkg"
	start=$(date +%s)
	{
		# setsid: a process group and session of its own, as under a
		# login shell (init's are 0).
		cd "/ktrace/$pkg" && setsid ./arm64.test -test.v -test.timeout=20m ${run:+-test.run="$run"} ${skip:+-test.skip="$skip"} </dev/null 2>&1
		echo $? >/tmp/test.rc
	} | tee /tmp/test.log
	rc=$(cat /tmp/test.rc)
	secs=$(($(date +%s) - start))
	p=$(grep -c '^--- PASS' /tmp/test.log)
	f=$(grep -c '^--- FAIL' /tmp/test.log)
	s=$(grep -c '^--- SKIP' /tmp/test.log)
	if [ "$rc" = 0 ]; then
		line="ok    $pkg ${secs}s ($p passed, $s skipped)"
	else
		[ "$f" -gt 0 ] || f=1 # died without a --- FAIL line (panic, timeout)
		pkgfail=$((pkgfail + 1))
		line="FAIL  $pkg ${secs}s (exit $rc: $p passed, $f failed, $s skipped)"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	echo "arm64: $line"
	summary="$summary
arm64: $line"
done </ktrace/.packages
echo "=== arm64 summary$summary"
if [ "$pkgfail" = 0 ]; then
	echo "ARM64-RESULT: PASS"
else
	echo "ARM64-RESULT: FAIL ($pkgfail packages)"
fi
echo "arm64: $passed passed, $failed failed, $skipped skipped"
sync
poweroff -f
EOF
chmod 0755 "$stage/init"
printf '%s' "${KTRACE_ARM64_RUN:-}" >"$mod/.run"
printf '%s' "${KTRACE_ARM64_CMD:-}" >"$mod/.cmd"

say "packing the initramfs"
initrd=$cache/initrd.cpio
(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) >"$initrd"
say "initramfs $(du -h "$initrd" | cut -f1), kernel $(basename "$kernel")"

# --- boot ---------------------------------------------------------------------
# The guest's kernel prints its warnings (loglevel 5): a WARN before a crash
# is the first thing to read.
log=$cache/guest.log
boot() {
	say "booting qemu-system-aarch64 (TCG, $smp CPUs, ${mem} MiB, timeout ${timeout_s}s)"
	start=$(date +%s)
	set +e
	timeout --foreground -k 10 "$timeout_s" qemu-system-aarch64 \
		-M virt -cpu "$cpu" -smp "$smp" -m "$mem" \
		-display none -monitor none -serial stdio -nic none -no-reboot \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyAMA0 quiet loglevel=5 panic=-1" </dev/null 2>&1 | tr -d '\r' | tee "$log"
	qrc=${PIPESTATUS[0]}
	set -e
	secs=$(($(date +%s) - start))
}
# kernel_crashed tells whether the guest's kernel died (an oops or a
# panic) before the tests reported: the emulated machine's fault, not a
# test's. It shows the crash's first lines.
kernel_crashed() {
	! grep -q '^ARM64-RESULT: ' "$log" &&
		grep -q -E 'Kernel panic - not syncing|Internal error: |Unable to handle kernel' "$log" || return 1
	say "the guest's kernel crashed before the tests reported:"
	grep -m1 -n -E 'WARNING: |Internal error: |Unable to handle kernel|Kernel panic' "$log" >&2
	grep -E '^\[ *[0-9.]+\] +(pc|lr) : ' "$log" >&2 || true
}

# A crash of the guest's kernel boots it once more (KTRACE_ARM64_BOOTS,
# default 2, boots in all); its log is kept beside guest.log. A test that
# fails, a guest that hangs or a second crash fail at once.
boots=${KTRACE_ARM64_BOOTS:-2}
rm -f "$cache"/guest-crash-*.log
for ((n = 1; ; n++)); do
	boot
	if [ "$n" -lt "$boots" ] && kernel_crashed; then
		cp "$log" "$cache/guest-crash-$n.log"
		say "booting again (boot $((n + 1)) of at most $boots); the crashed boot's log: $cache/guest-crash-$n.log"
		continue
	fi
	break
done

if kernel_crashed; then
	die "the guest's kernel crashed at each of $n boots (log: $log)"
elif [ -n "${KTRACE_ARM64_CMD:-}" ]; then
	grep '^ARM64-RESULT: command exited 0$' "$log" >/dev/null || die "the command failed or did not finish (log: $log)"
	exit 0
elif grep -q '^ARM64-RESULT: PASS$' "$log"; then
	say "every package passed on arm64 (guest ran ${secs}s; log: $log)"
	grep -E '^arm64: [0-9]+ passed, ' "$log"
	exit 0
elif grep -q '^ARM64-RESULT: FAIL' "$log"; then
	say "FAILED on arm64 (guest ran ${secs}s; log: $log):"
	sed -n '/^=== arm64 summary$/,$p' "$log" | grep '^arm64: FAIL' >&2
	grep -E '^arm64: [0-9]+ passed, ' "$log"
	exit 1
elif [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	die "the guest did not finish within ${timeout_s}s (log: $log)"
else
	die "the guest stopped before reporting a result (qemu exit $qrc; log: $log)"
fi
