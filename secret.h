// SPDX-License-Identifier: ISC
// Secrets in memory: wiped when done, compared in constant time.
#ifndef JTUNNEL_SECRET_H
#define JTUNNEL_SECRET_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

// Zeroes n bytes at p in a way the compiler may not drop as a dead store.
static inline void secret_wipe(void *p, size_t n)
{
	memset(p, 0, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

// Whether a and b hold the same n bytes, in time that depends on n alone.
static inline bool secret_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = (const volatile uint8_t *)a;
	const volatile uint8_t *y = (const volatile uint8_t *)b;
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

// Little-endian loads and stores, byte by byte: right on every CPU, and
// without unaligned accesses.
static inline uint32_t load32_le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store32_le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint64_t load64_le(const uint8_t *p)
{
	return (uint64_t)load32_le(p) | (uint64_t)load32_le(p + 4) << 32;
}

static inline void store64_le(uint8_t *p, uint64_t v)
{
	store32_le(p, (uint32_t)v);
	store32_le(p + 4, (uint32_t)(v >> 32));
}

#endif
