// SPDX-License-Identifier: ISC
// Fuzz target: datagram_parse, the first look at every datagram off the
// wire.  Properties: the kind follows from the length alone (under 8 bytes
// short, exactly 8 a keepalive, more a packet), the sender is the first 8
// bytes whenever there are 8, and nothing past len is read (ASan sees the
// input in a buffer of exactly len bytes).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../peer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct peer_id sender;
	memset(&sender, 0x5a, sizeof sender);
	struct peer_id before = sender;
	enum datagram_kind kind = datagram_parse(data, len, &sender);
	if (len < ID_BYTES) {
		if (kind != DATAGRAM_SHORT || !id_equal(&sender, &before))
			abort();	// short: the sender is left alone
		return 0;
	}
	if (kind != (len == ID_BYTES ? DATAGRAM_KEEPALIVE : DATAGRAM_PACKET))
		abort();
	if (memcmp(sender.bytes, data, ID_BYTES) != 0)
		abort();
	// The identifier as the server logs it and looks it up in CONFDIR.
	char text[ID_TEXT_MAX];
	struct peer_id again;
	if (!id_parse(id_format(&sender, text), &again) || !id_equal(&again, &sender))
		abort();
	return 0;
}
