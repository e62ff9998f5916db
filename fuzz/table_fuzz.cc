// SPDX-License-Identifier: ISC
// Fuzz target: the server's table of clients (peer_insert, peer_find,
// peer_remove), keyed by identifiers that come off the wire.  The input's
// first 8 bytes seed a pool of 64 identifiers, some of them made to share
// hash slots; each later byte is one operation on one of them (insert,
// remove, find).  Properties: after every operation the table agrees with
// a plain list of who is in it (every present identifier is found, as its
// own entry; no absent one is), the count is right and the load stays at
// most one half of a power-of-two capacity.  This checks the backward-shift
// deletion, which is easy to get wrong at the wrap-around.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../peer.h"

enum { POOL = 64 };

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void verify(const struct peer_table *t, struct peer *const present[POOL],
    const struct peer_id ids[POOL])
{
	size_t count = 0;
	for (int k = 0; k < POOL; k++) {
		struct peer *p = peer_find(t, &ids[k]);
		if (p != present[k])
			abort();
		if (p != NULL && !id_equal(&p->id, &ids[k]))
			abort();
		count += present[k] != NULL;
	}
	if (t->count != count)
		abort();
	if (t->capacity != 0) {
		if ((t->capacity & (t->capacity - 1)) != 0 || 2 * t->count > t->capacity)
			abort();
		size_t used = 0;
		for (size_t i = 0; i < t->capacity; i++)
			used += t->slots[i] != NULL;
		if (used != t->count)
			abort();
	}
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < 8)
		return 0;
	uint64_t seed;
	memcpy(&seed, data, sizeof seed);
	data += 8;
	len -= 8;

	struct peer_id ids[POOL];
	for (int k = 0; k < POOL; k++) {
		uint64_t v = mix(seed + (uint64_t)k);
		// A quarter of the pool differs only in the last byte, a quarter
		// only in the first: neighbours in the probe sequence.
		if (k >= POOL / 2 && k < 3 * POOL / 4)
			v = (mix(seed) & ~(0xffull << 56)) | (uint64_t)k << 56;
		else if (k >= 3 * POOL / 4)
			v = (mix(seed) & ~0xffull) | (uint64_t)k;
		memcpy(ids[k].bytes, &v, sizeof v);
	}
	// Identical bytes would make two pool entries the same identifier.
	for (int k = 0; k < POOL; k++)
		for (int j = 0; j < k; j++)
			if (id_equal(&ids[j], &ids[k]))
				return 0;

	struct peer_table t;
	memset(&t, 0, sizeof t);
	struct peer *present[POOL] = {};
	for (size_t i = 0; i < len; i++) {
		int k = data[i] & (POOL - 1);
		switch (data[i] >> 6) {
		case 0:
		case 1:		// insert (twice as likely, so the table fills)
			if (present[k] == NULL) {
				struct peer *p = (struct peer *)calloc(1, sizeof *p);
				p->id = ids[k];
				if (peer_insert(&t, p) == -1)
					abort();
				present[k] = p;
			}
			break;
		case 2:		// remove
			if (present[k] != NULL) {
				peer_remove(&t, present[k]);
				free(present[k]);
				present[k] = NULL;
			}
			break;
		case 3:		// find
			if (peer_find(&t, &ids[k]) != present[k])
				abort();
			break;
		}
		verify(&t, present, ids);
	}
	for (int k = 0; k < POOL; k++)
		free(present[k]);
	free(t.slots);
	return 0;
}
