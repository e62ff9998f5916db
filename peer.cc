// SPDX-License-Identifier: ISC
#include "peer.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "log.h"
#include "secret.h"

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

enum datagram_kind datagram_received(const udp_message *m, struct peer_id *sender)
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

int peer_file_read(const char *confdir, const struct peer_id *id, struct peer_file *f)
{
	char path[PATH_MAX], text[ID_TEXT_MAX], content[2 * KEY_BYTES + 2];
	memset(f, 0, sizeof *f);
	f->mode = MODE_BAD;
	snprintf(path, sizeof path, "%s/%s", confdir, id_format(id, text));
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1 && errno == ELOOP)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return -1;
	struct stat st;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	f->loose = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
	// The first bytes, enough for a key and its newline and one more; the
	// rest only to see whether it is all white space.
	ssize_t n = 0, got;
	bool blank = true;
	char chunk[512];
	while ((got = read(fd, chunk, sizeof chunk)) > 0) {
		for (ssize_t i = 0; i < got; i++) {
			blank = blank && (chunk[i] == ' ' || chunk[i] == '\t' || chunk[i] == '\n' ||
			    chunk[i] == '\r');
			if (n < (ssize_t)sizeof content)
				content[n++] = chunk[i];
		}
	}
	int err = errno;
	close(fd);
	secret_wipe(chunk, sizeof chunk);
	if (got == -1) {
		secret_wipe(content, sizeof content);
		errno = err;
		return -1;
	}
	if (blank) {
		f->mode = MODE_PLAIN;
	} else if (n == 2 * KEY_BYTES || (n == 2 * KEY_BYTES + 1 && content[2 * KEY_BYTES] == '\n')) {
		f->mode = MODE_KEYED;
		for (int i = 0; i < KEY_BYTES && f->mode == MODE_KEYED; i++) {
			int hi = hex_value(content[2 * i]), lo = hex_value(content[2 * i + 1]);
			if (hi < 0 || lo < 0)
				f->mode = MODE_BAD;
			else
				f->key[i] = (uint8_t)(hi << 4 | lo);
		}
		if (f->mode == MODE_BAD)
			secret_wipe(f->key, sizeof f->key);
	}
	secret_wipe(content, sizeof content);
	return 0;
}

bool peer_file_same(const struct peer_file *a, const struct peer_file *b)
{
	return a->mode == b->mode &&
	    (a->mode != MODE_KEYED || secret_equal(a->key, b->key, KEY_BYTES));
}

const char *key_format(const uint8_t key[KEY_BYTES], char text[KEY_TEXT_MAX])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < KEY_BYTES; i++) {
		text[2 * i] = digits[key[i] >> 4];
		text[2 * i + 1] = digits[key[i] & 15];
	}
	text[2 * KEY_BYTES] = '\0';
	return text;
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

void auth_wipe(struct auth_cache *c)
{
	if (c->entries != NULL) {
		secret_wipe(c->entries, c->capacity * sizeof *c->entries);
		secret_pages_unmap(c->entries, c->capacity * sizeof *c->entries);
	}
	c->entries = NULL;
	c->count = c->capacity = 0;
}

static struct auth_entry *auth_find(const struct auth_cache *c, const struct peer_id *id)
{
	if (c->count == 0)
		return NULL;
	return (struct auth_entry *)bsearch(id, c->entries, c->count, sizeof *c->entries, id_compare);
}

// A file named by an identifier in upper case authorizes nothing: say so,
// once per identifier, since CONFDIR is read again often.
static void upper_case_name_check(const char *confdir, const char *name)
{
	enum { WARNED_MAX = 32 };
	static struct peer_id warned[WARNED_MAX];
	static int warned_count;
	struct peer_id id;
	char text[ID_TEXT_MAX];
	if (!id_parse(name, &id) || strcmp(id_format(&id, text), name) == 0)
		return;
	for (int i = 0; i < warned_count; i++)
		if (id_equal(&warned[i], &id))
			return;
	// Past WARNED_MAX names, silence rather than a line every second.
	if (warned_count == WARNED_MAX)
		return;
	warned[warned_count++] = id;
	log_warnx("%s/%s authorizes nothing: its name is in upper case", confdir, name);
}

int auth_reload(struct auth_cache *c)
{
	clock_gettime(CLOCK_MONOTONIC, &c->loaded);
	// What was logged of a file already is not logged again.
	struct auth_cache old = *c;
	c->entries = NULL;
	c->count = c->capacity = 0;
	DIR *dir = opendir(c->confdir);
	int err = errno, read_err = 0;
	size_t count = 0;
	struct dirent *e;
	char text[ID_TEXT_MAX];
	while (dir != NULL) {
		// readdir returns NULL both at the end and on an error; only an
		// error sets errno.
		errno = 0;
		if ((e = readdir(dir)) == NULL) {
			read_err = errno;
			break;
		}
		struct peer_id id;
		upper_case_name_check(c->confdir, e->d_name);
		// Only the lower-case name counts, as the identifier is written.
		if (!id_parse(e->d_name, &id) || strcmp(id_format(&id, text), e->d_name) != 0 ||
		    !is_regular_file(dir, e))
			continue;
		if (count == c->capacity) {
			// Keys are read into the entries: they live in secret pages.
			size_t capacity = c->capacity ? 2 * c->capacity : 64;
			bool wiped;
			struct auth_entry *entries = (struct auth_entry *)secret_pages_map(
			    capacity * sizeof *entries, &wiped);
			if (entries == NULL) {
				err = errno;
				closedir(dir);
				dir = NULL;
				break;
			}
			secrets_wiped_on_fork = secrets_wiped_on_fork && wiped;
			if (count > 0)
				memcpy(entries, c->entries, count * sizeof *entries);
			auth_wipe(c);
			c->entries = entries;
			c->capacity = capacity;
		}
		memset(&c->entries[count], 0, sizeof c->entries[count]);
		c->entries[count++].id = id;
	}
	if (dir == NULL) {
		// Until CONFDIR can be read again, nothing is authorized.
		auth_wipe(&old);
		auth_wipe(c);
		errno = err;
		return -1;
	}
	closedir(dir);
	if (read_err != 0) {
		// Opened but not read through: the previous listing stays.
		auth_wipe(c);
		*c = old;
		errno = read_err;
		return -1;
	}
	if (count > 1)
		qsort(c->entries, count, sizeof *c->entries, id_compare);
	c->count = count;
	for (size_t i = 0; i < count; i++) {
		const struct auth_entry *was = auth_find(&old, &c->entries[i].id);
		c->entries[i].reported = was != NULL && was->reported;
	}
	auth_wipe(&old);
	return 0;
}

const struct peer_file *auth_listed(struct auth_cache *c, const struct peer_id *id)
{
	struct auth_entry *e = auth_find(c, id);
	if (e == NULL)
		return NULL;
	if (!e->read) {
		e->read = true;
		peer_file_read(c->confdir, id, &e->file);
	}
	if (!e->reported && (e->file.mode == MODE_BAD || (e->file.mode == MODE_KEYED && e->file.loose))) {
		char path[PATH_MAX], text[ID_TEXT_MAX];
		e->reported = true;
		snprintf(path, sizeof path, "%s/%s", c->confdir, id_format(id, text));
		if (e->file.mode == MODE_BAD)
			log_warnx("%s: not a key (64 hexadecimal digits) nor empty: not authorized", path);
		else
			log_warnx("%s: readable by group or others; keep keys private (chmod 600)", path);
	}
	return &e->file;
}

const struct peer_file *auth_lookup(struct auth_cache *c, const struct peer_id *id)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t age_ns = (int64_t)(now.tv_sec - c->loaded.tv_sec) * 1000000000 +
	    (now.tv_nsec - c->loaded.tv_nsec);
	bool never = c->loaded.tv_sec == 0 && c->loaded.tv_nsec == 0;
	if ((never || age_ns >= (int64_t)AUTH_RELOAD_SECONDS * 1000000000) && auth_reload(c) == -1)
		log_warn("reading %s", c->confdir);
	return auth_listed(c, id);
}

bool secrets_wiped_on_fork = true;

int peer_secrets_map(struct peer *p)
{
	bool wiped;
	p->secrets = (struct peer_secrets *)secret_pages_map(sizeof *p->secrets, &wiped);
	if (p->secrets == NULL)
		return -1;
	secrets_wiped_on_fork = secrets_wiped_on_fork && wiped;
	return 0;
}

void peer_secrets_unmap(struct peer *p)
{
	if (p->secrets == NULL)
		return;
	secret_wipe(p->secrets, sizeof *p->secrets);
	secret_pages_unmap(p->secrets, sizeof *p->secrets);
	p->secrets = NULL;
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
