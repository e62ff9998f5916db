#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The build: what make produces and installs.

bats_require_minimum_version 1.5.0

# Always the plain build in the tree, whatever JTUNNEL the suite runs.
setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
}

@test "build: jtunnel links against libc alone (no libstdc++, no libgcc_s)" {
	run -0 ldd "$TOP/jtunnel"
	local libs
	libs=$(awk '$1 !~ /^linux-vdso/ {print $1}' <<<"$output" | sed 's#.*/##' | sort)
	[[ $libs == $'ld-linux-x86-64.so.2\nlibc.so.6' || $libs == "libc.so.6" ]] ||
		{ echo "linked against: $libs"; false; }
}

# 68 KiB, not the 64 it was: about 5 KiB of an x86-64 binary is the
# cipher's vector paths (ChaCha20 in AVX2 and AVX-512F, Poly1305 in AVX2),
# which the routers' builds (MIPS, ARM) do not have.
@test "build: the stripped binary is at most 68 KiB" {
	strip -o "$BATS_TEST_TMPDIR/jtunnel" "$TOP/jtunnel"
	local size
	size=$(stat -c %s "$BATS_TEST_TMPDIR/jtunnel")
	echo "# stripped size: $size bytes" >&3
	((size <= 68 * 1024)) || { echo "stripped size $size bytes"; false; }
}

@test "build: a clean build with -Wall -Wextra gives no warning" {
	cp -r "$TOP"/*.cc "$TOP"/*.h "$TOP"/Makefile "$BATS_TEST_TMPDIR/"
	run -0 make -C "$BATS_TEST_TMPDIR" jtunnel
	if grep -i 'warning' <<<"$output"; then false; fi
}

@test "build: make install with DESTDIR and PREFIX puts jtunnel in sbin and its manual where man finds it" {
	local dest=$BATS_TEST_TMPDIR/root
	cp -r "$TOP"/*.cc "$TOP"/*.h "$TOP"/Makefile "$TOP"/man "$BATS_TEST_TMPDIR/"
	run -0 make -C "$BATS_TEST_TMPDIR" install DESTDIR="$dest" PREFIX=/usr
	[[ -x $dest/usr/sbin/jtunnel ]]
	[[ -f $dest/usr/share/man/man8/jtunnel.8 ]]
	run -0 "$dest/usr/sbin/jtunnel" -V
	[[ $output == "jtunnel "* ]]
	MANPATH=$dest/usr/share/man run -0 man -w jtunnel
	[[ $output == "$dest/usr/share/man/man8/jtunnel.8"* ]]
	run -0 bash -c 'MANPAGER=cat man -l "$1" | col -b' man "$dest/usr/share/man/man8/jtunnel.8"
	grep -q "WIRE FORMAT" <<<"$output"
}

@test "build: make STATIC=1 links jtunnel-static statically against musl, and it runs" {
	cp -r "$TOP"/*.cc "$TOP"/*.h "$TOP"/Makefile "$BATS_TEST_TMPDIR/"
	run -0 make -C "$BATS_TEST_TMPDIR" STATIC=1
	if grep -i 'warning' <<<"$output"; then false; fi
	local bin=$BATS_TEST_TMPDIR/jtunnel-static
	run -0 file "$bin"
	[[ $output == *"statically linked"* ]]
	# No interpreter and no shared library: nothing of glibc or libstdc++.
	run -0 readelf -l -d "$bin"
	[[ $output != *INTERP* && $output != *NEEDED* ]] || { echo "$output"; false; }
	run -0 "$bin" -V
	[[ $output == "jtunnel "* ]]
	strip -o "$BATS_TEST_TMPDIR/stripped" "$bin"
	local size
	size=$(stat -c %s "$BATS_TEST_TMPDIR/stripped")
	echo "# static stripped size: $size bytes" >&3
	((size <= 128 * 1024)) || { echo "stripped size $size bytes"; false; }
}
