// SPDX-License-Identifier: ISC
// Fuzz target: id_parse, which reads -i and the names in CONFDIR.
// Properties: it accepts exactly 16 hexadecimal digits of either case and
// nothing else; what it accepts, id_format writes back as the same digits
// in lower case, and that parses to the same identifier.
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../peer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	// A C string of exactly the input up to its first NUL, in a buffer of
	// its own size, so that ASan catches a read past the terminator.
	size_t n = strnlen((const char *)data, len);
	char *text = (char *)malloc(n + 1);
	memcpy(text, data, n);
	text[n] = '\0';

	bool expected = n == 2 * ID_BYTES;
	for (size_t i = 0; expected && i < n; i++)
		expected = isxdigit((unsigned char)text[i]);

	struct peer_id id, again;
	memset(&id, 0, sizeof id);
	bool ok = id_parse(text, &id);
	if (ok != expected)
		abort();
	if (ok) {
		char out[ID_TEXT_MAX];
		id_format(&id, out);
		if (strlen(out) != 2 * ID_BYTES)
			abort();
		for (size_t i = 0; i < 2 * ID_BYTES; i++)
			if (out[i] != tolower((unsigned char)text[i]) ||
			    (isalpha((unsigned char)out[i]) && !islower((unsigned char)out[i])))
				abort();
		if (!id_parse(out, &again) || !id_equal(&id, &again))
			abort();
	}
	free(text);
	return 0;
}
