#include "peer.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "log.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool id_parse(const char *text, struct peer_id *id)
{
	for (int i = 0; i < ID_BYTES; i++) {
		int hi = hex_value(text[2 * i]);
		if (hi < 0)
			return false;
		int lo = hex_value(text[2 * i + 1]);
		if (lo < 0)
			return false;
		id->bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	return text[2 * ID_BYTES] == '\0';
}

const char *id_format(const struct peer_id *id, char text[ID_TEXT_MAX])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < ID_BYTES; i++) {
		text[2 * i] = digits[id->bytes[i] >> 4];
		text[2 * i + 1] = digits[id->bytes[i] & 15];
	}
	text[2 * ID_BYTES] = '\0';
	return text;
}

int id_random(struct peer_id *id)
{
	return random_bytes(id->bytes, sizeof id->bytes);
}

enum datagram_kind datagram_received(const struct mmsghdr *m, struct peer_id *sender)
{
	enum datagram_kind kind = datagram_parse((const uint8_t *)m->msg_hdr.msg_iov->iov_base,
	    m->msg_len, sender);
	if (kind == DATAGRAM_SHORT) {
		drop_count(DROP_SHORT);
	} else if (m->msg_hdr.msg_flags & MSG_TRUNC) {
		drop_count(DROP_TRUNCATED);
		kind = DATAGRAM_SHORT;
	}
	return kind;
}

static int id_compare(const void *a, const void *b)
{
	return memcmp(a, b, ID_BYTES);
}

// Whether the entry name of dir is a regular file, following a link.
static bool is_regular_file(DIR *dir, const struct dirent *e)
{
	if (e->d_type == DT_REG)
		return true;
	if (e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
		return false;
	struct stat st;
	return fstatat(dirfd(dir), e->d_name, &st, 0) == 0 && S_ISREG(st.st_mode);
}

int auth_reload(struct auth_cache *c)
{
	clock_gettime(CLOCK_MONOTONIC, &c->loaded);
	// Until CONFDIR can be read again, nothing is authorized.
	c->count = 0;
	DIR *dir = opendir(c->confdir);
	if (dir == NULL)
		return -1;
	size_t count = 0;
	struct dirent *e;
	char text[ID_TEXT_MAX];
	while ((e = readdir(dir)) != NULL) {
		struct peer_id id;
		// Only the lower-case name counts, as the identifier is written.
		if (!id_parse(e->d_name, &id) || strcmp(id_format(&id, text), e->d_name) != 0 ||
		    !is_regular_file(dir, e))
			continue;
		if (count == c->capacity) {
			size_t capacity = c->capacity ? 2 * c->capacity : 64;
			struct peer_id *ids = (struct peer_id *)realloc(c->ids, capacity * sizeof *ids);
			if (ids == NULL) {
				closedir(dir);
				errno = ENOMEM;
				return -1;
			}
			c->ids = ids;
			c->capacity = capacity;
		}
		c->ids[count++] = id;
	}
	closedir(dir);
	if (count > 1)
		qsort(c->ids, count, sizeof *c->ids, id_compare);
	c->count = count;
	return 0;
}

bool auth_listed(const struct auth_cache *c, const struct peer_id *id)
{
	return c->count > 0 && bsearch(id, c->ids, c->count, sizeof *c->ids, id_compare) != NULL;
}

bool auth_lookup(struct auth_cache *c, const struct peer_id *id)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t age_ns = (int64_t)(now.tv_sec - c->loaded.tv_sec) * 1000000000 +
	    (now.tv_nsec - c->loaded.tv_nsec);
	bool never = c->loaded.tv_sec == 0 && c->loaded.tv_nsec == 0;
	if (never || age_ns >= (int64_t)AUTH_RELOAD_SECONDS * 1000000000)
		auth_reload(c);
	return auth_listed(c, id);
}

enum { TABLE_MIN_CAPACITY = 16 };

// Identifiers in the table are authorized ones, chosen at random by their
// owners, so their first bytes are as good a hash as any.
static size_t slot_of(const struct peer_table *t, const struct peer_id *id)
{
	uint64_t h;
	memcpy(&h, id->bytes, sizeof h);
	return (size_t)(h * 0x9e3779b97f4a7c15ull >> 32) & (t->capacity - 1);
}

struct peer *peer_find(const struct peer_table *t, const struct peer_id *id)
{
	if (t->count == 0)
		return NULL;
	for (size_t i = slot_of(t, id);; i = (i + 1) & (t->capacity - 1)) {
		struct peer *p = t->slots[i];
		if (p == NULL)
			return NULL;
		if (id_equal(&p->id, id))
			return p;
	}
}

static void place(struct peer_table *t, struct peer *p)
{
	size_t i = slot_of(t, &p->id);
	while (t->slots[i] != NULL)
		i = (i + 1) & (t->capacity - 1);
	t->slots[i] = p;
}

int peer_insert(struct peer_table *t, struct peer *p)
{
	// Keep the load at most one half, so that probes stay short.
	if (2 * (t->count + 1) > t->capacity) {
		size_t capacity = t->capacity ? 2 * t->capacity : (size_t)TABLE_MIN_CAPACITY;
		struct peer **slots = (struct peer **)calloc(capacity, sizeof *slots);
		if (slots == NULL)
			return -1;
		struct peer **old = t->slots;
		size_t old_capacity = t->capacity;
		t->slots = slots;
		t->capacity = capacity;
		for (size_t i = 0; i < old_capacity; i++)
			if (old[i] != NULL)
				place(t, old[i]);
		free(old);
	}
	place(t, p);
	t->count++;
	return 0;
}

void peer_remove(struct peer_table *t, struct peer *p)
{
	size_t mask = t->capacity - 1, i = slot_of(t, &p->id);
	while (t->slots[i] != p)
		i = (i + 1) & mask;
	t->slots[i] = NULL;
	t->count--;
	// Move back the entries that the freed slot had pushed further along,
	// so that every lookup still finds its entry before an empty slot.
	for (size_t j = (i + 1) & mask; t->slots[j] != NULL; j = (j + 1) & mask) {
		size_t home = slot_of(t, &t->slots[j]->id);
		// Entry j may move to i when i lies cyclically in [home, j).
		bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			t->slots[i] = t->slots[j];
			t->slots[j] = NULL;
			i = j;
		}
	}
}
