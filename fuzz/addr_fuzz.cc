// SPDX-License-Identifier: ISC
// Fuzz target: addr_parse_numeric, which reads -b (and numeric ADDRESS).
// The first two input bytes are the port, the rest the host text.
// Properties: it accepts exactly what inet_pton accepts for IPv4 or IPv6;
// the result has a consistent family, length and port; addr_format fits
// its buffer and prints an address that parses back to the same one (an
// IPv4-mapped IPv6 address prints, and so parses back, as IPv4); the
// default MTU is 1464 or 1444 by the path's family.
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../net.h"

static bool text_to_addr(const char *text, struct udp_addr *a)
{
	// "198.18.0.1:5151" or "[fd00::1]:5151"
	char host[ADDR_TEXT_MAX];
	const char *colon = strrchr(text, ':');
	if (colon == NULL)
		return false;
	size_t n = (size_t)(colon - text);
	if (text[0] == '[') {
		if (n < 2 || text[n - 1] != ']')
			return false;
		memcpy(host, text + 1, n - 2);
		host[n - 2] = '\0';
	} else {
		memcpy(host, text, n);
		host[n] = '\0';
	}
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	return *end == '\0' && port <= 65535 && addr_parse_numeric(host, (uint16_t)port, a);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < 2)
		return 0;
	uint16_t port = (uint16_t)(data[0] << 8 | data[1]);
	data += 2;
	len -= 2;
	size_t n = strnlen((const char *)data, len);
	char *host = (char *)malloc(n + 1);
	memcpy(host, data, n);
	host[n] = '\0';

	unsigned char raw[sizeof(struct in6_addr)];
	bool v4 = inet_pton(AF_INET, host, raw) == 1;
	bool v6 = !v4 && inet_pton(AF_INET6, host, raw) == 1;

	struct udp_addr a;
	memset(&a, 0xa5, sizeof a);
	bool ok = addr_parse_numeric(host, port, &a);
	if (ok != (v4 || v6))
		abort();
	if (ok) {
		if (v4 && (a.sa.sa_family != AF_INET || a.len != sizeof a.in ||
		    ntohs(a.in.sin_port) != port || memcmp(&a.in.sin_addr, raw, 4) != 0))
			abort();
		if (v6 && (a.sa.sa_family != AF_INET6 || a.len != sizeof a.in6 ||
		    ntohs(a.in6.sin6_port) != port || memcmp(&a.in6.sin6_addr, raw, 16) != 0 ||
		    a.in6.sin6_scope_id != 0 || a.in6.sin6_flowinfo != 0))
			abort();
		if (!addr_equal(&a, &a))
			abort();

		char text[ADDR_TEXT_MAX + 16];
		memset(text, 0x7f, sizeof text);
		addr_format(&a, text);
		size_t tl = strnlen(text, sizeof text);
		if (tl >= ADDR_TEXT_MAX)
			abort();	// overflowed (or came close to) its buffer
		struct udp_addr back;
		if (!text_to_addr(text, &back))
			abort();
		bool mapped = v6 && IN6_IS_ADDR_V4MAPPED(&a.in6.sin6_addr);
		if (mapped) {
			if (back.sa.sa_family != AF_INET || ntohs(back.in.sin_port) != port ||
			    memcmp(&back.in.sin_addr, &a.in6.sin6_addr.s6_addr[12], 4) != 0)
				abort();
		} else if (!addr_equal(&a, &back)) {
			abort();
		}
		if (addr_is_ipv4_path(&a) != (v4 || mapped))
			abort();
		if (addr_default_mtu(&a, false) != (v4 || mapped ? 1464 : 1444) ||
		    addr_default_mtu(&a, true) != (v4 || mapped ? 1440 : 1420))
			abort();
	}
	free(host);
	return 0;
}
