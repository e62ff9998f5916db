# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# The Debian packages each part needs, and their installation when missing.
# Sourced by .ci/run, t/run, demo.sh and bench/run.

# deps_packages PART: "command:package" pairs; "=package" for a package
# that provides no command.
deps_packages() {
	case $1 in
	build) echo "g++:g++ make:make" ;;
	demo) echo "ip:iproute2 ping:iputils-ping" ;;
	test) echo "bats:bats ip:iproute2 ss:iproute2 ping:iputils-ping tcpdump:tcpdump
		jq:jq python3:python3 nft:nftables conntrack:conntrack
		setpriv:util-linux unshare:util-linux timeout:coreutils mkfifo:coreutils
		ps:procps strace:strace socat:socat mandoc:mandoc bird:bird2 iperf3:iperf3
		systemd-analyze:systemd g++:g++ make:make man:man-db
		strip:binutils readelf:binutils file:file musl-gcc:musl-tools
		=python3-cryptography" ;;
	fuzz) echo "clang++-14:clang-14 =libclang-rt-14-dev =libsodium-dev =libssl-dev" ;;
	bsd) echo "clang++:clang llvm-nm:llvm c++filt:binutils make:make" ;;
	cross) echo "mips-linux-gnu-g++:g++-mips-linux-gnu arm-linux-gnueabihf-g++:g++-arm-linux-gnueabihf
		qemu-mips:qemu-user qemu-arm:qemu-user" ;;
	bench) echo "ip:iproute2 ss:iproute2 ping:iputils-ping iperf3:iperf3 jq:jq strace:strace timeout:coreutils" ;;
	esac
}

# deps_install PART...: installs, with apt-get, the packages whose commands
# are missing, saying which; fails plainly when that is not possible.
deps_install() {
	local part pair missing=()
	for part in "$@"; do
		for pair in $(deps_packages "$part"); do
			case $pair in
			=*) pair=${pair#=}
			    dpkg-query -W -f '${Status}' "$pair" 2>/dev/null | grep -q 'ok installed' ;;
			*) command -v "${pair%%:*}" >/dev/null 2>&1 ;;
			esac ||
				[[ " ${missing[*]} " == *" ${pair#*:} "* ]] || missing+=("${pair#*:}")
		done
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "missing Debian packages: ${missing[*]} (install them as root with apt-get)" >&2
		return 1
	fi
	echo "installing missing Debian packages: ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q "${missing[@]}" >&2 ||
		{ apt-get update -q >&2 && apt-get install -y -q "${missing[@]}" >&2; }
}
