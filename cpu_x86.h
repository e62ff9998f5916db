// SPDX-License-Identifier: ISC
// Which vector instructions an x86 CPU offers, as far as the per-packet
// cipher (chacha20.cc, poly1305.cc) cares: asked with cpuid itself, once
// per process, since libgcc's __builtin_cpu_supports would bring 4 KiB of
// code.
#ifndef JTUNNEL_CPU_X86_H
#define JTUNNEL_CPU_X86_H

#include <cpuid.h>

enum cpu_vectors { CPU_NOT_ASKED, CPU_SSE2, CPU_AVX2, CPU_AVX512 };
// Bits of XCR0, the register state the kernel saves: that of SSE and AVX;
// and that too of AVX-512 (mask registers, upper halves, upper sixteen).
enum { XCR0_AVX = 0x6, XCR0_AVX512 = 0xe6 };

static inline enum cpu_vectors cpu_vectors_ask(void)
{
	unsigned eax, ebx, ecx, edx, xcr0_low, xcr0_high;
	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE) || !(ecx & bit_AVX))
		return CPU_SSE2;
	__asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
	if ((xcr0_low & XCR0_AVX) != XCR0_AVX || !__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) ||
	    !(ebx & bit_AVX2))
		return CPU_SSE2;
	if ((xcr0_low & XCR0_AVX512) == XCR0_AVX512 && (ebx & bit_AVX512F))
		return CPU_AVX512;
	return CPU_AVX2;
}

// The answer, asked the first time.  Inline, not static: one copy, and
// one answer, for the whole program.
inline enum cpu_vectors cpu_vectors(void)
{
	static int known = CPU_NOT_ASKED;
	int cpu = __atomic_load_n(&known, __ATOMIC_RELAXED);
	if (cpu == CPU_NOT_ASKED) {
		cpu = cpu_vectors_ask();
		__atomic_store_n(&known, cpu, __ATOMIC_RELAXED);
	}
	return (enum cpu_vectors)cpu;
}

#endif
