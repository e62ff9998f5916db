// SPDX-License-Identifier: ISC
// Unit tests for tun_frame.cc, the 4-byte address family header of BSD tun
// devices, with this host's family numbers and with each BSD's.  Runs on
// Linux, where tun_bsd.cc cannot.  Prints each failed check and a last line
// "N passed, N failed"; exits 1 when any test failed.
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../tun.h"
#include "../tun_frame.h"

static_assert((int)TUN_FRAME_HEADER <= (int)TUN_HEADROOM,
	      "the header is written in place, into the headroom tun.h promises");

// AF_INET and AF_INET6 of each system, from its <sys/socket.h>.
struct system {
	const char *name;
	struct tun_families families;
};
static const struct system systems[] = {
	{"this host", {AF_INET, AF_INET6}},
	{"FreeBSD", {2, 28}},
	{"DragonFly", {2, 28}},
	{"OpenBSD", {2, 24}},
	{"NetBSD", {2, 24}},
	{"macOS", {2, 30}},
};
enum { SYSTEMS = sizeof systems / sizeof systems[0] };

static const char *test_name;
static const char *system_name;
static bool test_failed;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(bool ok, const char *what, int line)
{
	if (ok)
		return;
	test_failed = true;
	fprintf(stderr, "tun_frame_test.cc:%d: %s [%s]: failed: %s\n", line, test_name,
		system_name != NULL ? system_name : "-", what);
}

// A packet with TUN_HEADROOM bytes before it, as the wire buffers have.
enum { PACKET_ROOM = 64, HEADROOM_FILL = 0xaa, PAYLOAD_FILL = 0x5c };
struct buffer {
	uint8_t bytes[TUN_HEADROOM + PACKET_ROOM];
	uint8_t *packet() { return bytes + TUN_HEADROOM; }
	uint8_t *frame() { return packet() - TUN_FRAME_HEADER; }
};

// Headroom marked, then the first bytes of an IPv4 (20) or IPv6 (40) header.
static size_t make_packet(struct buffer *b, int version)
{
	memset(b->bytes, HEADROOM_FILL, TUN_HEADROOM);
	memset(b->packet(), PAYLOAD_FILL, PACKET_ROOM);
	b->packet()[0] = (uint8_t)(version << 4 | (version == 4 ? 5 : 0));
	return version == 4 ? 20 : 40;
}

static bool header_is(const uint8_t *frame, uint32_t family)
{
	const uint8_t expected[TUN_FRAME_HEADER] = {
		(uint8_t)(family >> 24), (uint8_t)(family >> 16), (uint8_t)(family >> 8), (uint8_t)family};
	return memcmp(frame, expected, TUN_FRAME_HEADER) == 0;
}

static bool headroom_untouched(const struct buffer *b)
{
	for (size_t i = 0; i < TUN_HEADROOM; i++)
		if (b->bytes[i] != HEADROOM_FILL)
			return false;
	return true;
}

static void prepend_writes_inet_for_ipv4_packets(const struct tun_families *f)
{
	struct buffer b;
	size_t len = make_packet(&b, 4);
	CHECK(tun_frame_prepend(b.packet(), len, f) == 0);
	CHECK(header_is(b.frame(), f->inet));
}

static void prepend_writes_inet6_for_ipv6_packets(const struct tun_families *f)
{
	struct buffer b;
	size_t len = make_packet(&b, 6);
	CHECK(tun_frame_prepend(b.packet(), len, f) == 0);
	CHECK(header_is(b.frame(), f->inet6));
}

static void header_is_in_network_byte_order(const struct tun_families *)
{
	// Literal bytes, so that a byte order mistake cannot cancel itself out.
	struct buffer b;
	size_t len = make_packet(&b, 6);
	struct tun_families freebsd = {2, 28}, wide = {2, 0x01020304};
	CHECK(tun_frame_prepend(b.packet(), len, &freebsd) == 0);
	CHECK(memcmp(b.frame(), "\x00\x00\x00\x1c", 4) == 0);
	CHECK(tun_frame_prepend(b.packet(), len, &wide) == 0);
	CHECK(memcmp(b.frame(), "\x01\x02\x03\x04", 4) == 0);
	len = make_packet(&b, 4);
	CHECK(tun_frame_prepend(b.packet(), len, &freebsd) == 0);
	CHECK(memcmp(b.frame(), "\x00\x00\x00\x02", 4) == 0);
}

static void prepend_changes_only_the_four_bytes_before_the_packet(const struct tun_families *f)
{
	struct buffer b;
	size_t len = make_packet(&b, 4);
	uint8_t before[sizeof b.bytes];
	memcpy(before, b.bytes, sizeof before);
	CHECK(tun_frame_prepend(b.packet(), len, f) == 0);
	CHECK(memcmp(b.bytes, before, TUN_HEADROOM - TUN_FRAME_HEADER) == 0);
	CHECK(memcmp(b.packet(), before + TUN_HEADROOM, PACKET_ROOM) == 0);
}

static void prepend_refuses_other_versions_and_writes_nothing(const struct tun_families *f)
{
	for (int version = 0; version < 16; version++) {
		if (version == 4 || version == 6)
			continue;
		struct buffer b;
		size_t len = make_packet(&b, version);
		CHECK(tun_frame_prepend(b.packet(), len, f) == -1);
		CHECK(headroom_untouched(&b));
	}
}

static void prepend_refuses_an_empty_packet(const struct tun_families *f)
{
	struct buffer b;
	make_packet(&b, 4);
	CHECK(tun_frame_prepend(b.packet(), 0, f) == -1);
	CHECK(headroom_untouched(&b));
}

// A frame as the kernel would hand it over: header, then the packet.
static size_t make_frame(struct buffer *b, uint32_t family, int version)
{
	size_t len = make_packet(b, version);
	uint8_t *h = b->frame();
	h[0] = (uint8_t)(family >> 24);
	h[1] = (uint8_t)(family >> 16);
	h[2] = (uint8_t)(family >> 8);
	h[3] = (uint8_t)family;
	return TUN_FRAME_HEADER + len;
}

static void length_of_an_ipv4_frame_is_the_packet_after_the_header(const struct tun_families *f)
{
	struct buffer b;
	size_t n = make_frame(&b, f->inet, 4);
	CHECK(tun_frame_packet_length(b.frame(), n, f) == 20);
}

static void length_of_an_ipv6_frame_is_the_packet_after_the_header(const struct tun_families *f)
{
	struct buffer b;
	size_t n = make_frame(&b, f->inet6, 6);
	CHECK(tun_frame_packet_length(b.frame(), n, f) == 40);
}

static void frame_no_longer_than_the_header_carries_no_packet(const struct tun_families *f)
{
	struct buffer b;
	make_frame(&b, f->inet, 4);
	for (size_t n = 0; n <= TUN_FRAME_HEADER; n++)
		CHECK(tun_frame_packet_length(b.frame(), n, f) == 0);
	CHECK(tun_frame_packet_length(b.frame(), TUN_FRAME_HEADER + 1, f) == 1);
}

static void frame_of_another_family_carries_no_packet(const struct tun_families *f)
{
	struct buffer b;
	const uint32_t others[] = {0 /* AF_UNSPEC */, 1 /* AF_UNIX */, 0xffffffff};
	for (uint32_t family : others) {
		size_t n = make_frame(&b, family, 4);
		CHECK(tun_frame_packet_length(b.frame(), n, f) == 0);
	}
	// Another system's AF_INET6 is no IPv6 here.
	for (const struct system &s : systems) {
		if (s.families.inet6 == f->inet6)
			continue;
		size_t n = make_frame(&b, s.families.inet6, 6);
		CHECK(tun_frame_packet_length(b.frame(), n, f) == 0);
	}
}

static void frame_whose_family_contradicts_its_version_carries_no_packet(const struct tun_families *f)
{
	struct buffer b;
	size_t n = make_frame(&b, f->inet, 6);
	CHECK(tun_frame_packet_length(b.frame(), n, f) == 0);
	n = make_frame(&b, f->inet6, 4);
	CHECK(tun_frame_packet_length(b.frame(), n, f) == 0);
}

static void prepended_frame_reads_back_as_the_same_packet(const struct tun_families *f)
{
	const int versions[] = {4, 6};
	for (int version : versions) {
		struct buffer b;
		size_t len = make_packet(&b, version);
		CHECK(tun_frame_prepend(b.packet(), len, f) == 0);
		CHECK(tun_frame_packet_length(b.frame(), TUN_FRAME_HEADER + len, f) == len);
	}
}

struct test {
	const char *name;
	void (*run)(const struct tun_families *);
};
#define TEST(f) {#f, f}
static const struct test tests[] = {
	TEST(prepend_writes_inet_for_ipv4_packets),
	TEST(prepend_writes_inet6_for_ipv6_packets),
	TEST(header_is_in_network_byte_order),
	TEST(prepend_changes_only_the_four_bytes_before_the_packet),
	TEST(prepend_refuses_other_versions_and_writes_nothing),
	TEST(prepend_refuses_an_empty_packet),
	TEST(length_of_an_ipv4_frame_is_the_packet_after_the_header),
	TEST(length_of_an_ipv6_frame_is_the_packet_after_the_header),
	TEST(frame_no_longer_than_the_header_carries_no_packet),
	TEST(frame_of_another_family_carries_no_packet),
	TEST(frame_whose_family_contradicts_its_version_carries_no_packet),
	TEST(prepended_frame_reads_back_as_the_same_packet),
};

int main()
{
	int passed = 0, failed = 0;
	for (const struct test &t : tests) {
		test_name = t.name;
		test_failed = false;
		// Each test runs with every system's family numbers.
		for (const struct system &s : systems) {
			system_name = s.name;
			t.run(&s.families);
		}
		printf("%s %s\n", test_failed ? "FAIL" : "ok  ", t.name);
		if (test_failed)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
