#!/bin/sh
# Writes a minimal busybox root filesystem as a tarball to $1: the static
# busybox, a symlink per applet where busybox would install it, a root user.
set -eu
out=$1
root=$(mktemp -d)
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" \
         "$root/etc" "$root/root" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/var"
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list-full); do
  [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
tar --numeric-owner --sort=name --mtime=@0 -C "$root" -cf "$out" .
rm -rf "$root"
[ -x "$(dirname "$out")" ] && tar -tf "$out" | grep -qx './bin/sh'
