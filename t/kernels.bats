#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Older kernels, imitated on this one: what jtunnel does where the kernel
# lacks an offload it asks for.  A shim preloaded into both ends answers
# for the kernel that lacks it:
#   - before Linux 4.18, setsockopt(UDP_SEGMENT) fails with ENOPROTOOPT, and
#     sendmsg skips a UDP_SEGMENT control message without an error, so that
#     a run meant as many datagrams would leave as one;
#   - before Linux 4.2, ioctl(TUNSETVNETLE) fails with EINVAL, and jtunnel
#     then asks for no offloads at all.
# The shim touches $SHIM_SEGMENT_MARK when a send carries UDP_SEGMENT.

load lib

setup() {
	jt_setup
	file -L "$JTUNNEL" | grep -q 'dynamically linked' || skip "a static jtunnel takes no LD_PRELOAD"
	command -v cc >/dev/null || skip "no C compiler"
	cat >"$T/old_kernel.c" <<-'EOF'
		#define _GNU_SOURCE
		#include <errno.h>
		#include <fcntl.h>
		#include <linux/if_tun.h>
		#include <netinet/in.h>
		#include <stdarg.h>
		#include <stdlib.h>
		#include <sys/ioctl.h>
		#include <sys/socket.h>
		#include <sys/syscall.h>
		#include <unistd.h>

		enum { UDP_SEGMENT_OPTION = 103 };

		int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
		{
			if (getenv("SHIM_NO_UDP_SEGMENT") && level == IPPROTO_UDP && name == UDP_SEGMENT_OPTION) {
				errno = ENOPROTOOPT;
				return -1;
			}
			return syscall(SYS_setsockopt, fd, level, name, value, len);
		}

		ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
		{
			struct msghdr *m = (struct msghdr *)msg;
			const char *mark = getenv("SHIM_SEGMENT_MARK");
			for (struct cmsghdr *c = CMSG_FIRSTHDR(m); mark != NULL && c != NULL; c = CMSG_NXTHDR(m, c))
				if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_SEGMENT_OPTION)
					close(open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
			return syscall(SYS_sendmsg, fd, msg, flags);
		}

		int ioctl(int fd, unsigned long request, ...)
		{
			va_list ap;
			va_start(ap, request);
			void *arg = va_arg(ap, void *);
			va_end(ap);
			if (getenv("SHIM_NO_VNET_LE") && request == TUNSETVNETLE) {
				errno = EINVAL;
				return -1;
			}
			return syscall(SYS_ioctl, fd, request, arg);
		}
	EOF
	cc -shared -fPIC -o "$T/old_kernel.so" "$T/old_kernel.c"
}

teardown() {
	jt_teardown
}

# old_kernel_tunnel [VAR=VALUE...]: the server and client 1, both with the
# shim and the given settings of it, the tunnel up.  (A sanitizer build is
# told that its runtime need not come first.)
old_kernel_tunnel() {
	topo 1
	JT_EXEC="env LD_PRELOAD=$T/old_kernel.so ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 SHIM_SEGMENT_MARK=$T/segmented $*"
	srv_start srv
	cli_start c1 1
	tunnel_up 1
}

@test "this kernel: the shim sees the runs of datagrams that TCP segments are cut into leave with UDP_SEGMENT" {
	old_kernel_tunnel
	tcp_crosses_both_ways 1
	[[ -e $T/segmented ]] || fail "no send carried UDP_SEGMENT"
}

@test "a kernel without UDP_SEGMENT: segments are still cut, their datagrams go one by one, and TCP crosses both ways" {
	old_kernel_tunnel SHIM_NO_UDP_SEGMENT=1
	tcp_crosses_both_ways 1
	[[ ! -e $T/segmented ]] || fail "a send carried UDP_SEGMENT, which this kernel would have ignored"
}

@test "a kernel without TUNSETVNETLE: the tun hands over single packets only, and TCP crosses both ways" {
	old_kernel_tunnel SHIM_NO_VNET_LE=1
	tcp_crosses_both_ways 1 uncut
}
