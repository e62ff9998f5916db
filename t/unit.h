// SPDX-License-Identifier: ISC
// What the unit tests share: vectors arrive on stdin one per line, as
// space-separated fields (a kind, then hexadecimal strings, "-" for an empty
// one), written by a converter from ../shared/vectors/ (t/vectors.py).
#ifndef JTUNNEL_T_UNIT_H
#define JTUNNEL_T_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

enum { UNIT_FIELDS_MAX = 16, UNIT_LINE_MAX = 1 << 20 };

struct unit_line {
	char *field[UNIT_FIELDS_MAX];
	int count;
	long number;		// line number, for messages
};

// Reads the next line into fields.  Returns false at the end of input.
static inline bool unit_next(struct unit_line *l)
{
	static char buf[UNIT_LINE_MAX];
	if (fgets(buf, sizeof buf, stdin) == NULL)
		return false;
	l->number++;
	l->count = 0;
	for (char *save = NULL, *f = strtok_r(buf, " \n", &save); f != NULL && l->count < UNIT_FIELDS_MAX;
	    f = strtok_r(NULL, " \n", &save))
		l->field[l->count++] = f;
	return true;
}

// Decodes a hexadecimal field ("-" is empty) into out.  Returns its length;
// exits on a malformed field or one longer than max.
static inline size_t unit_hex(const char *text, uint8_t *out, size_t max)
{
	if (strcmp(text, "-") == 0)
		return 0;
	size_t n = strlen(text);
	if (n % 2 != 0 || n / 2 > max) {
		fprintf(stderr, "unit: bad hex field (%zu digits, room for %zu bytes)\n", n, max);
		exit(2);
	}
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(text + 2 * i, "%2x", &v) != 1) {
			fprintf(stderr, "unit: bad hex field\n");
			exit(2);
		}
		out[i] = (uint8_t)v;
	}
	return n / 2;
}

// Counts a check and reports a failed one with its line.
struct unit_tally {
	long passed, failed;
};

static inline void unit_check(struct unit_tally *t, bool ok, const struct unit_line *l, const char *what)
{
	if (ok) {
		t->passed++;
		return;
	}
	t->failed++;
	fprintf(stderr, "FAIL line %ld (%s): %s\n", l->number, l->count ? l->field[0] : "", what);
}

// Prints the summary; the exit status for main.  A run that checked
// nothing fails: an empty vector file must not pass.
static inline int unit_summary(const struct unit_tally *t, const char *name)
{
	printf("%s: %ld passed, %ld failed\n", name, t->passed, t->failed);
	return t->failed == 0 && t->passed > 0 ? 0 : 1;
}

#endif
