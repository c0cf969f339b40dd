#!/usr/bin/env bash
# Makes a small local base image for docker/Dockerfile from this machine's own JDK 17, for machines that reach no
# container registry: a jlink'd JRE, the shared libraries it needs (from ldd), a minimal /etc and a writable /tmp,
# imported with `docker import`. No image is pulled.
#
#   docker/make-base-image.sh [IMAGE]        IMAGE defaults to parley-jre:17
#   docker build -f docker/Dockerfile --build-arg BASE_IMAGE=parley-jre:17 -t parley-node .
#   docker/make-base-image.sh --rootfs DIR   only the image's file system, in DIR (no Docker needed), and its size
#
# Idempotent: does nothing if IMAGE exists with the same modules (docker rmi it to make it again); an IMAGE made
# with another module list is made again. JAVA_HOME_17 picks another JDK 17.
set -euo pipefail

rootfs=""
if [[ "${1:-}" == "--rootfs" ]]; then
    rootfs="${2:?--rootfs needs a directory}"
    shift 2
fi
image="${1:-parley-jre:17}"
jdk="${JAVA_HOME_17:-/usr/lib/jvm/java-17-openjdk-amd64}"
# What the node needs: jdeps --print-module-deps --ignore-missing-deps on the shaded jar, less java.desktop, plus
# java.management (which jdk.management needs) and jdk.crypto.ec (TLS with EC keys; in java.base only from Java 22).
# java.desktop is asked for by jline's console (AWT, Swing: never on a headless node), and by Jackson's and
# Micrometer's optional java.beans support, which they skip when it is missing: without it the runtime is 11 MB
# smaller (40 MB, was 50 MB with java.desktop, jdk.sctp and jdk.zipfs, which nothing uses). A node on it was run
# through peers over --dns, the HTTP API (JSON, /metrics), TLS, history, health and a graceful stop.
modules="java.base,java.naming,java.sql,java.management,jdk.httpserver,jdk.jfr,jdk.management,jdk.unsupported,jdk.crypto.ec"
uid=10001

if [[ -z "$rootfs" ]] && docker image inspect "$image" >/dev/null 2>&1; then
    made_with="$(docker image inspect -f '{{index .Config.Labels "io.parley.base.modules"}}' "$image" 2>/dev/null || true)"
    if [[ "$made_with" == "$modules" ]]; then
        echo "base image $image exists; nothing to do"
        exit 0
    fi
    echo "base image $image was made with other modules (${made_with:-unknown}): making it again"
fi
if [[ ! -x "$jdk/bin/jlink" || ! -d "$jdk/jmods" ]]; then
    echo "make-base-image: no JDK with jlink and jmods at $jdk (set JAVA_HOME_17, or apt-get install openjdk-17-jdk-headless)" >&2
    exit 1
fi
version="$("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
if [[ "$version" != 17 ]]; then
    echo "make-base-image: $jdk is Java $version; the image's JRE must be 17, what the project compiles for" >&2
    exit 1
fi

if [[ -n "$rootfs" ]]; then
    root="$rootfs"
    if [[ -e "$root" && -n "$(ls -A "$root")" ]]; then
        echo "make-base-image: $root is not empty" >&2
        exit 1
    fi
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    root="$work/root"
fi
mkdir -p "$root"

echo "== jlink ($modules)"
"$jdk/bin/jlink" --add-modules "$modules" --output "$root/opt/java" \
    --strip-debug --no-header-files --no-man-pages --compress=2

echo "== shared libraries"
# Every library an executable or library of the JRE links, at the path the loader finds it here, symlinks followed.
# AWT's X11 libraries may be missing on a headless machine; headless Java never loads them.
libs="$(find "$root/opt/java" -type f \( -name '*.so' -o -perm -u+x \) -exec ldd {} \; 2>/dev/null \
    | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' | sort -u)"
# Not linked by the JRE itself: glibc's unwinder for thread cancellation (loaded by dlopen), and the libraries that
# native code built for older glibc links, as sqlite-jdbc's does (libpthread, libdl: stubs since glibc 2.34).
for name in libgcc_s.so.1 libpthread.so.0 libdl.so.2 librt.so.1 libm.so.6 libresolv.so.2; do
    libs="$libs $(ldconfig -p | awk -v n="$name" '$1 == n && /x86-64/ {print $NF; exit}')"
done
for lib in $libs; do
    [[ "$lib" == "$root"/* ]] && continue # the JRE's own
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
# LANG=C.UTF-8 needs glibc's C.UTF-8 locale (not built in; without it Java's default encoding is ASCII).
if [[ -d /usr/lib/locale/C.utf8 ]]; then
    mkdir -p "$root/usr/lib/locale"
    cp -R /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"
fi

echo "== /etc, /tmp, /data"
mkdir -p "$root/etc" "$root/tmp" "$root/data"
chmod 1777 "$root/tmp"
cat > "$root/etc/passwd" <<PASSWD
root:x:0:0:root:/root:/sbin/nologin
parley:x:$uid:$uid:parley:/data:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
PASSWD
cat > "$root/etc/group" <<GROUP
root:x:0:
parley:x:$uid:
nogroup:x:65534:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
touch "$root/etc/resolv.conf"
chown "$uid:$uid" "$root/data"

if [[ -n "$rootfs" ]]; then
    echo "== $root: $(du -sb "$root" | cut -f1) bytes ($(du -sh "$root" | cut -f1)), the JRE $(du -sh "$root/opt/java" | cut -f1)"
    exit 0
fi

echo "== docker import $image"
tar -C "$root" --numeric-owner -c . | docker import \
    --change "LABEL io.parley.base.modules=$modules" \
    --change 'ENV JAVA_HOME=/opt/java' \
    --change 'ENV PATH=/opt/java/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --message "JRE 17 (jlink) from $jdk, by docker/make-base-image.sh" \
    - "$image" >/dev/null
docker image ls "$image"
