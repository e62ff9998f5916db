#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The manual, the examples and the packaging files: the man page is clean
# mdoc and agrees with `jtunnel -h`; examples and packaging use only the
# documentation address ranges; scripts and units pass their checkers; the
# OpenWrt init script builds the jtunnel command lines its UCI config asks
# for.  No namespaces are needed here; examples.bats runs the examples.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
JTUNNEL=${JTUNNEL:-$REPO/jtunnel}
MAN=$REPO/man/jtunnel.8
OWRT=$REPO/contrib/openwrt/jtunnel

# The options of `jtunnel -h`, one a line, sorted.
usage_options() {
	"$JTUNNEL" -h | grep -oE -- '(^|[[ |])-[A-Za-z]' | grep -oE -- '-[A-Za-z]' | sort -u
}

# The options that the man page describes (.It Fl X), one a line, sorted.
man_options() {
	sed -nE 's/^\.It Fl ([A-Za-z])( .*)?$/-\1/p' "$MAN" | sort -u
}

# The SYNOPSIS as mandoc renders it, one line per form, spaces squeezed.
man_synopsis() {
	mandoc -Tascii -Owidth=400 "$MAN" | col -b |
		sed -n '/^SYNOPSIS$/,/^DESCRIPTION$/p' | sed '1d;$d;/^ *$/d' |
		sed -E 's/^ +//; s/ +/ /g'
}

@test "docs: mandoc -Tlint -Wall finds nothing to say about man/jtunnel.8" {
	run -0 --separate-stderr mandoc -Tlint -Wall "$MAN"
	[ -z "$output$stderr" ] || {
		echo "$output$stderr"
		false
	}
}

@test "docs: the man page has every section the manual promises" {
	local section
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT FILES SIGNALS \
		"EXIT STATUS" "WIRE FORMAT" EXAMPLES CAVEATS "SECURITY CONSIDERATIONS"; do
		grep -qx ".Sh $section" "$MAN" || {
			echo "no section $section"
			false
		}
	done
	grep -q 'CAP_NET_ADMIN' "$MAN"
	grep -q 'written from those systems.* manual' "$MAN"
}

@test "docs: every option of jtunnel -h is described in the man page, and no other" {
	[ -x "$JTUNNEL" ] || { echo "jtunnel is not built" >&2; false; }
	local usage man
	usage=$(usage_options)
	man=$(man_options)
	[ "$(wc -l <<<"$usage")" -eq 14 ] # -s -v -L -b -p -i -c -m -t -k -g -K -h -V
	[ "$usage" = "$man" ] || {
		diff <(echo "$usage") <(echo "$man") | sed 's/^/usage vs man: /'
		false
	}
}

@test "docs: the man page's SYNOPSIS is the usage that jtunnel -h prints" {
	[ -x "$JTUNNEL" ] || { echo "jtunnel is not built" >&2; false; }
	command -v mandoc >/dev/null || { echo "mandoc is not installed" >&2; false; }
	local usage synopsis
	usage=$("$JTUNNEL" -h | sed -E 's/^usage: //; s/^ +//; s/ +/ /g')
	synopsis=$(man_synopsis)
	[ "$usage" = "$synopsis" ] || {
		diff <(echo "$usage") <(echo "$synopsis") | sed 's/^/usage vs man: /'
		false
	}
}

@test "docs: man page, examples and contrib use only 198.18.0.0/15 and fd00::/8 addresses" {
	local files bad=0 a
	files=("$MAN" "$REPO"/examples/* $(find "$REPO/contrib" -type f))
	# IPv4: documentation-benchmark range, the unspecified address, and
	# OSPF's multicast group.
	while read -r a; do
		case $a in
		198.18.* | 198.19.* | 0.0.0.0 | 224.0.0.5) ;;
		*) echo "IPv4 address outside 198.18.0.0/15: $a"; bad=1 ;;
		esac
	done < <(grep -ohE '(^|[^0-9.])([0-9]{1,3}\.){3}[0-9]{1,3}' "${files[@]}" | grep -oE '([0-9]{1,3}\.){3}[0-9]{1,3}')
	# IPv6: anything with two colons or more that looks like an address.
	while read -r a; do
		case $a in
		fd[0-9a-f][0-9a-f]:* | :: | ff02::5) ;;
		*) echo "IPv6 address outside fd00::/8: $a"; bad=1 ;;
		esac
	done < <(grep -ohiE '(^|[^0-9a-z:])[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}' "${files[@]}" |
		grep -oiE '[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}' | grep ':')
	[ "$bad" -eq 0 ]
}

@test "docs: the example PROG scripts and the OpenWrt init script are clean shell" {
	local f
	for f in "$REPO/examples/client-up" "$REPO/examples/server-up" "$OWRT/files/jtunnel.init"; do
		[ -x "$f" ] || {
			echo "$f is not executable"
			false
		}
		sh -n "$f"
	done
	if command -v shellcheck >/dev/null; then
		shellcheck -s sh "$REPO/examples/client-up" "$REPO/examples/server-up"
		# OpenWrt's ash has `local`, as dash has.
		shellcheck -s dash "$OWRT/files/jtunnel.init"
	fi
}

@test "docs: the example BIRD snippet parses" {
	command -v bird >/dev/null || { echo "bird is not installed (Debian package bird2)" >&2; false; }
	cat >"$BATS_TEST_TMPDIR/bird.conf" <<-EOF
		router id 198.19.1.1;
		protocol device { }
		include "$REPO/examples/bird-ospf.conf";
	EOF
	run -0 bird -p -c "$BATS_TEST_TMPDIR/bird.conf"
}

@test "docs: the systemd units pass systemd-analyze verify" {
	command -v systemd-analyze >/dev/null || { echo "systemd-analyze is not installed" >&2; false; }
	# A root of our own: the system's units, ours, and a stand-in for every
	# program the units run, so that verify does not depend on an install.
	local root=$BATS_TEST_TMPDIR/root unit cmd
	mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd" "$root/etc/default"
	cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
	cp "$REPO"/contrib/systemd/*.service "$root/etc/systemd/system/"
	cp "$REPO/contrib/systemd/jtunnel-client.default" "$root/etc/default/jtunnel-client-office"
	cp "$REPO/contrib/systemd/jtunnel-server.default" "$root/etc/default/jtunnel-server"
	for cmd in $(sed -nE 's/^Exec[A-Za-z]*=[-@:+!]*([^ ]+).*/\1/p' "$REPO"/contrib/systemd/*.service | sort -u); do
		mkdir -p "$root${cmd%/*}"
		printf '#!/bin/sh\n' >"$root$cmd"
		chmod +x "$root$cmd"
	done
	# Documentation=man:jtunnel(8) is checked with man(1): let it find ours.
	mkdir -p "$BATS_TEST_TMPDIR/man/man8"
	cp "$MAN" "$BATS_TEST_TMPDIR/man/man8/"
	for unit in jtunnel-server.service jtunnel-client@office.service; do
		MANPATH=$BATS_TEST_TMPDIR/man: run -0 --separate-stderr \
			systemd-analyze verify --root="$root" "$unit"
		[ -z "$output$stderr" ] || {
			echo "$unit: $output$stderr"
			false
		}
	done
}

# Runs the OpenWrt init script's start_service (or ACTION) on UCI CONFIG
# under stand-ins for OpenWrt's config_* (functions.sh) and procd_* (procd.sh)
# shell functions, which print what procd would be told.
owrt_init() {
	local config=$1 action=${2:-start_service}
	cat >"$BATS_TEST_TMPDIR/harness.sh" <<-'EOF'
		# UCI: CONFIG_<section>_<option>, lists as <option>_ITEM<n>.
		config_load() {
			eval "$(awk '
				{ sub(/^[ \t]+/, "") }
				/^#/ || NF == 0 { next }
				{ v = $0; sub(/^[^ \t]+[ \t]+[^ \t]+[ \t]*/, "", v); gsub(/'"'"'/, "", v) }
				$1 == "config" { s = v; print "CONFIG_SECTIONS=\"$CONFIG_SECTIONS " s "\""; print "CONFIG_" s "_TYPE=" $2 }
				$1 == "option" { print "CONFIG_" s "_" $2 "='"'"'" v "'"'"'" }
				$1 == "list" { n[s, $2]++; print "CONFIG_" s "_" $2 "_ITEM" n[s, $2] "='"'"'" v "'"'"'"; print "CONFIG_" s "_" $2 "_LENGTH=" n[s, $2] }
			' "$UCI_FILE")"
		}
		config_get() { eval "$1=\${CONFIG_$2_$3:-\$4}"; }
		config_get_bool() {
			local _v
			config_get _v "$2" "$3" "$4"
			case $_v in
			1 | on | true | yes | enabled) eval "$1=1" ;;
			0 | off | false | no | disabled) eval "$1=0" ;;
			*) eval "$1=\$4" ;;
			esac
		}
		config_foreach() {
			local _f=$1 _t=$2 _s _type
			for _s in $CONFIG_SECTIONS; do
				eval "_type=\$CONFIG_${_s}_TYPE"
				[ "$_type" = "$_t" ] && "$_f" "$_s"
			done
			return 0
		}
		config_list_foreach() {
			local _s=$1 _o=$2 _f=$3 _n _i=1 _v
			eval "_n=\${CONFIG_${_s}_${_o}_LENGTH:-0}"
			while [ "$_i" -le "$_n" ]; do
				eval "_v=\$CONFIG_${_s}_${_o}_ITEM$_i"
				"$_f" "$_v"
				_i=$((_i + 1))
			done
		}
		procd_open_instance() { printf 'instance %s:' "$1"; }
		procd_set_param() {
			local _p=$1
			shift
			[ "$_p" = command ] && printf ' %s' "$@"
			[ "$_p" = respawn ] && RESPAWN="$*"
			return 0
		}
		procd_append_param() {
			shift
			printf ' %s' "$@"
		}
		procd_close_instance() { printf ' (respawn %s)\n' "$RESPAWN"; }
		procd_send_signal() { printf 'signal %s\n' "$*"; }
		procd_add_reload_trigger() { printf 'reload trigger %s\n' "$*"; }
		start() { start_service; }
		. "$INIT"
		"$ACTION"
	EOF
	UCI_FILE=$config INIT=$OWRT/files/jtunnel.init ACTION=$action \
		sh "$BATS_TEST_TMPDIR/harness.sh"
}

@test "docs: the OpenWrt init script runs one jtunnel per enabled UCI section, respawned unless it keeps failing at once" {
	local uci=$BATS_TEST_TMPDIR/jtunnel
	# As shipped, every section is disabled.
	run -0 owrt_init "$OWRT/files/jtunnel.config"
	[ -z "$output" ]
	sed "s/option enabled '0'/option enabled '1'/" "$OWRT/files/jtunnel.config" >"$uci"
	run -0 owrt_init "$uci"
	[ "${lines[0]}" = "instance server_server: /usr/sbin/jtunnel -s -i 5be0d1ac2f3e4b7a -p 5151 /etc/jtunnel/server-up /etc/jtunnel/clients (respawn 60 5 5)" ]
	[ "${lines[1]}" = "instance client_office: /usr/sbin/jtunnel -i 0123456789abcdef -k 25 198.18.0.1 5151 /etc/jtunnel/client-up 198.19.1.2 198.19.1.1 fd00:19:1::2 fd00:19:1::1 198.19.0.0/24 (respawn 60 5 5)" ]
	[ "${#lines[@]}" -eq 2 ]
	# The optional settings become options.
	cat >>"$uci" <<-'EOF'

		config client 'lab'
			option id 'FEDCBA9876543210'
			option server 'fd00:18:1::1'
			option bind 'fd00:18:1::2'
			option bind_port '5152'
			option confdir '/etc/jtunnel-lab'
			option mtu '1400'
			option verbose '1'
			option keepalive '0'
	EOF
	run -0 owrt_init "$uci"
	[ "${lines[2]}" = "instance client_lab: /usr/sbin/jtunnel -i FEDCBA9876543210 -v -b fd00:18:1::2 -c /etc/jtunnel-lab -m 1400 -p 5152 -k 0 fd00:18:1::1 5151 /etc/jtunnel/client-up (respawn 60 5 5)" ]
	# The command lines are ones that jtunnel's own parser accepts.
	if [ -x "$JTUNNEL" ]; then
		run -2 "$JTUNNEL" -i FEDCBA9876543210 -v -b fd00:18:1::2 -c /etc/jtunnel-lab -m 1400 -p 5152 -k 0 -x
		[[ $output == *"unknown option: '-x'"* ]]
	fi
}

@test "docs: the OpenWrt init script's reload re-applies UCI and sends every instance SIGHUP" {
	local uci=$BATS_TEST_TMPDIR/jtunnel
	sed "s/option enabled '0'/option enabled '1'/" "$OWRT/files/jtunnel.config" >"$uci"
	run -0 owrt_init "$uci" reload_service
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} == "instance server_server: "* ]]
	[[ ${lines[1]} == "instance client_office: "* ]]
	[ "${lines[2]}" = "signal jtunnel * HUP" ]
	run -0 owrt_init "$uci" service_triggers
	[ "$output" = "reload trigger jtunnel" ]
}

@test "docs: the OpenWrt package Makefile follows OpenWrt's package layout" {
	local mk=$OWRT/Makefile
	grep -qx 'include $(TOPDIR)/rules.mk' "$mk"
	grep -qx 'include $(INCLUDE_DIR)/package.mk' "$mk"
	grep -qx 'PKG_NAME:=jtunnel' "$mk"
	grep -qx 'define Package/jtunnel/install' "$mk"
	grep -qx 'define Package/jtunnel/conffiles' "$mk"
	[ "$(tail -n 1 "$mk")" = '$(eval $(call BuildPackage,jtunnel))' ]
	# The version is jtunnel's.
	if [ -x "$JTUNNEL" ]; then
		[ "$("$JTUNNEL" -V)" = "jtunnel $(sed -n 's/^PKG_VERSION:=//p' "$mk")" ]
	fi
	# Every file the package installs from files/ exists.
	local f
	for f in $(grep -oE '\./files/[A-Za-z0-9._-]+' "$mk"); do
		[ -f "$OWRT/$f" ]
	done
}

@test "docs: the OpenWrt init script starts no instance for a section jtunnel would refuse, and says why" {
	local uci=$BATS_TEST_TMPDIR/jtunnel bad
	for bad in "option id '0123'" "option id 'not-hex-not-hex!'" "option port '99999'" \
		"option mtu '20'" "option keepalive 'soon'" "option bind_port '-1'"; do
		cat >"$uci" <<-EOF
			config client 'office'
				option id '0123456789abcdef'
				option server '198.18.0.1'
				$bad
		EOF
		run --separate-stderr owrt_init "$uci"
		[ -z "$output" ] || { echo "$bad: started: $output"; false; }
		[[ $stderr == *"section office"*"not started"* ]] || { echo "$bad: $stderr"; false; }
	done
	# Nor a server without an id.
	printf "config server 'server'\n\toption port '5151'\n" >"$uci"
	run --separate-stderr owrt_init "$uci"
	[ -z "$output" ] && [[ $stderr == *"section server"*"id"* ]]
}

@test "docs: the OpenWrt package is ISC-licensed, depends on the ip it uses, documents the firewall rule, and finds its sources through a feed link" {
	local mk=$OWRT/Makefile
	grep -qx 'PKG_LICENSE:=ISC' "$mk"
	grep -qx 'PKG_LICENSE_FILES:=LICENSE' "$mk"
	grep -q 'ISC\|Permission to use, copy, modify, and distribute' "$REPO/LICENSE"
	grep -q '^Copyright (c) 2026 the jtunnel authors$' "$REPO/LICENSE"
	grep -Eq '^  DEPENDS:=.*\+ip-(tiny|full)' "$mk"
	# The example scripts really use ip.
	grep -q '^[[:space:]]*ip ' "$REPO/examples/client-up"
	grep -q "firewall.@rule\[-1\].dest_port='5151'" "$OWRT/files/jtunnel.config"
	# As a feed (src-link), make sees the package directory through links;
	# its CURDIR is the real one, so ../../.. is the jtunnel tree.
	local d=$BATS_TEST_TMPDIR/openwrt
	mkdir -p "$d/feeds" "$d/package/feeds/jtunnel"
	ln -s "$REPO/contrib/openwrt" "$d/feeds/jtunnel"
	ln -s ../../../feeds/jtunnel/jtunnel "$d/package/feeds/jtunnel/jtunnel"
	printf 'all:\n\t@echo $(realpath $(CURDIR)/../../..)\n' >"$BATS_TEST_TMPDIR/where.mk"
	run -0 make -s -C "$d/package/feeds/jtunnel/jtunnel" -f "$BATS_TEST_TMPDIR/where.mk"
	[ -f "$output/jtunnel.cc" ] || { echo "../../.. is $output"; false; }
	grep -q 'JTUNNEL_SOURCE_DIR ?= $(CURDIR)/../../..' "$mk"
	# Elsewhere, without JTUNNEL_SOURCE_DIR, the build says what is missing.
	grep -q 'set JTUNNEL_SOURCE_DIR to a jtunnel tree' "$mk"
}

@test "docs: make install-systemd installs units whose ExecStart is the jtunnel make install put in place" {
	local d=$BATS_TEST_TMPDIR/inst prefix unit
	for prefix in /usr/local /opt/jt; do
		rm -rf "$d"
		run -0 make -s -C "$REPO" install install-systemd DESTDIR="$d" PREFIX="$prefix"
		[ -x "$d$prefix/sbin/jtunnel" ]
		for unit in jtunnel-server.service jtunnel-client@.service; do
			grep -q "^ExecStart=$prefix/sbin/jtunnel " "$d$prefix/lib/systemd/system/$unit" ||
				{ echo "$unit: $(grep ExecStart "$d$prefix/lib/systemd/system/$unit")"; false; }
		done
	done
}

@test "docs: a systemd unit without its settings file fails to start, naming it; an empty identifier is a usage error" {
	local unit
	for unit in jtunnel-server.service jtunnel-client@.service; do
		local f=$REPO/contrib/systemd/$unit settings
		settings=$(sed -n 's/^EnvironmentFile=//p' "$f")
		# Required (no leading "-"), and asserted, so systemd says which.
		[[ $settings == /etc/default/* ]] || { echo "$unit: EnvironmentFile=$settings"; false; }
		grep -qx "AssertPathExists=$settings" "$f"
		# The identifier is a word of its own: unset, jtunnel gets -i ''.
		grep -q '^ExecStart=.* -i ${JTUNNEL_ID} ' "$f"
		grep -q '^RestartPreventExitStatus=2$' "$f"
	done
	grep -q '^JTUNNEL_ID=[0-9a-f]\{16\}$' "$REPO/contrib/systemd/jtunnel-server.default"
	grep -q '^JTUNNEL_ID=[0-9a-f]\{16\}$' "$REPO/contrib/systemd/jtunnel-client.default"
	if [ -x "$JTUNNEL" ]; then
		run -2 --separate-stderr "$JTUNNEL" -s -i '' /etc/jtunnel/server-up
		[[ $stderr == *"identifier"* ]]
	fi
}
