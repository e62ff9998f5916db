# jtunnel: a small IP-over-UDP tunnel.  Plain make; honours CXX, CXXFLAGS,
# CPPFLAGS, LDFLAGS, PREFIX and DESTDIR as distribution builds pass them.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man

CXX ?= c++
# Small by default, as routers want it; the cipher of keyed mode's packets
# is built for speed whatever CXXFLAGS says (CRYPTO_OPT).
CXXFLAGS ?= -Os
CRYPTO_OPT = -O2
# The binary must link against libc alone: no exceptions, no RTTI, no
# library containers, and only the libraries actually used are linked.
JT_CXXFLAGS = -std=c++17 -Wall -Wextra -fno-exceptions -fno-rtti \
	-fno-asynchronous-unwind-tables -fno-threadsafe-statics
# Symbols bound at start, before any fork, so that no forwarding process
# writes (and so copies) the relocation pages later; one read-only and one
# executable segment, not the four of separate-code, whose page alignment
# pads the file by a page or more.
JT_LDFLAGS = -Wl,--as-needed -Wl,--gc-sections -Wl,-z,now -Wl,-z,relro -static-libgcc \
	-Wl,-z,noseparate-code
# 64-bit file offsets on 32-bit glibc too, where readdir would otherwise
# fail with EOVERFLOW on a file system with 64-bit directory cookies.
JT_CPPFLAGS = -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64

UNAME_S := $(shell uname -s)
ifeq ($(UNAME_S),Linux)
PLATFORM = tun_linux.cc
else
PLATFORM = tun_bsd.cc tun_frame.cc
endif
ifeq ($(UNAME_S),Darwin)
# Apple's linker has its own flags for dropping unused code and libraries,
# and none of the above; its clang refuses -static-libgcc.
JT_LDFLAGS = -Wl,-dead_strip -Wl,-dead_strip_dylibs
endif

# A MIPS linker aligns segments in the file to 64 KiB, the largest page
# MIPS allows, which doubles the size of a binary this small.  Routers'
# kernels (OpenWrt's) use 4 KiB pages; set MIPS_PAGE_SIZE for larger ones.
MIPS_PAGE_SIZE ?= 4096
ifneq ($(filter mips%,$(shell $(CXX) -dumpmachine 2>/dev/null)),)
JT_LDFLAGS += -Wl,-z,max-page-size=$(MIPS_PAGE_SIZE)
endif

SRCS = jtunnel.cc options.cc client.cc server.cc peer.cc net.cc spawn.cc log.cc \
	forward.cc offload.cc liveness.cc session.cc handshake.cc $(CRYPTO) $(PLATFORM)
# The primitives of keyed mode, the project's own.
CRYPTO = noise.cc chachapoly.cc chacha20.cc poly1305.cc blake2s.cc x25519.cc
# The per-packet cipher is built for speed in every flavour of the build,
# each function in a section of its own, so that the linker drops those
# that only the tests call (chacha20_block, one-shot poly1305); the
# handshake's primitives need no more than a hundred handshakes a second
# (the server's limit) and stay small.
PACKET_CRYPTO = chachapoly.cc chacha20.cc poly1305.cc
CRYPTO_OBJS = $(PACKET_CRYPTO:.cc=.o) $(PACKET_CRYPTO:%.cc=san/%.o) $(PACKET_CRYPTO:%.cc=static/%.o)
$(CRYPTO_OBJS): OPT = $(CRYPTO_OPT) -ffunction-sections -fdata-sections
OBJS = $(SRCS:.cc=.o)

# STATIC=1 selects the static build (below) for all, install, check and bench.
FLAVOUR = $(if $(filter 1,$(STATIC)),jtunnel-static,jtunnel)

all: $(FLAVOUR)

jtunnel: $(OBJS)
	$(CXX) $(JT_CXXFLAGS) $(CXXFLAGS) $(JT_LDFLAGS) $(LDFLAGS) -o $@ $(OBJS)

%.o: %.cc *.h
	$(CXX) $(JT_CPPFLAGS) $(CPPFLAGS) $(JT_CXXFLAGS) $(CXXFLAGS) $(OPT) -c -o $@ $<

# Unit tests: t/NAME_test from t/NAME_test.cc and the sources it tests,
# run by t/unit (which feeds each its vectors).
UNIT_TESTS = t/tun_frame_test t/chachapoly_test t/chachapoly_avx2_test t/chachapoly_vector4_test \
	t/chachapoly_scalar_test t/chachapoly_poly32_test
UNIT_BUILD = $(CXX) $(JT_CPPFLAGS) $(CPPFLAGS) $(JT_CXXFLAGS) $(CXXFLAGS) $(LDFLAGS) -o $@

# The BSD backend's packet framing, unit-tested on any system.
t/tun_frame_test: t/tun_frame_test.cc tun_frame.cc tun_frame.h
	$(UNIT_BUILD) t/tun_frame_test.cc tun_frame.cc

# Checksum and segmentation offload, done for a tun that hands them over.
UNIT_TESTS += t/offload_test
t/offload_test: t/offload_test.cc offload.cc offload.h
	$(UNIT_BUILD) t/offload_test.cc offload.cc

# ChaCha20, Poly1305 and the AEAD, once per path: as built (on x86, the
# widest vectors the CPU has, chosen at run time), with ChaCha20 at most in
# AVX2, in vectors of four blocks, both scalar (Poly1305 in 64-bit limbs
# alone), and with 32-bit Poly1305.
AEAD_SRCS = chacha20.cc poly1305.cc chachapoly.cc
AEAD_DEPS = t/chachapoly_test.cc t/unit.h $(AEAD_SRCS) chacha20.h poly1305.h chachapoly.h secret.h cpu_x86.h
t/chachapoly_test: $(AEAD_DEPS)
	$(UNIT_BUILD) t/chachapoly_test.cc $(AEAD_SRCS)
t/chachapoly_avx2_test: $(AEAD_DEPS)
	$(UNIT_BUILD) -DCHACHA20_NO_AVX512 t/chachapoly_test.cc $(AEAD_SRCS)
t/chachapoly_vector4_test: $(AEAD_DEPS)
	$(UNIT_BUILD) -DCHACHA20_NO_AVX2 t/chachapoly_test.cc $(AEAD_SRCS)
t/chachapoly_scalar_test: $(AEAD_DEPS)
	$(UNIT_BUILD) -DCHACHA20_SCALAR -DPOLY1305_SCALAR t/chachapoly_test.cc $(AEAD_SRCS)
t/chachapoly_poly32_test: $(AEAD_DEPS)
	$(UNIT_BUILD) -DPOLY1305_32BIT t/chachapoly_test.cc $(AEAD_SRCS)

# X25519, in both field forms (the one this host's compiler picks, and the
# 32-bit one forced, so that both are tested on any host), and BLAKE2s with
# Noise's HMAC and HKDF.
UNIT_TESTS += t/x25519_test t/x25519_32bit_test t/blake2s_test
X25519_TEST_DEPS = t/x25519_test.cc t/unit.h x25519.cc x25519.h secret.h

t/x25519_test: $(X25519_TEST_DEPS)
	$(UNIT_BUILD) t/x25519_test.cc x25519.cc

t/x25519_32bit_test: $(X25519_TEST_DEPS)
	$(UNIT_BUILD) -DX25519_32BIT t/x25519_test.cc x25519.cc

t/blake2s_test: t/blake2s_test.cc t/unit.h blake2s.cc blake2s.h secret.h
	$(UNIT_BUILD) t/blake2s_test.cc blake2s.cc

# The Noise handshake, over the primitives it uses.
UNIT_TESTS += t/noise_test
NOISE_SRCS = noise.cc $(AEAD_SRCS) x25519.cc blake2s.cc
t/noise_test: t/noise_test.cc $(NOISE_SRCS) *.h t/unit.h
	$(UNIT_BUILD) t/noise_test.cc $(NOISE_SRCS)

# Keyed mode's replay window and data datagrams.
UNIT_TESTS += t/session_test
t/session_test: t/session_test.cc session.cc $(AEAD_SRCS) *.h
	$(UNIT_BUILD) t/session_test.cc session.cc $(AEAD_SRCS)
# bench/crypto_speed: MB/s of the AEAD on tunnel-sized packets (bench/run).
bench/crypto_speed: bench/crypto_speed.cc $(AEAD_SRCS) chacha20.h poly1305.h chachapoly.h secret.h
	$(CXX) $(JT_CPPFLAGS) $(CPPFLAGS) $(JT_CXXFLAGS) $(CXXFLAGS) $(CRYPTO_OPT) $(LDFLAGS) -o $@ bench/crypto_speed.cc $(AEAD_SRCS)

unit-tests: $(UNIT_TESTS)

# make check SANITIZE=1: the whole suite against jtunnel-san, built with
# ASan and UBSan (objects in san/); a sanitizer report from any process
# (each writes its own file in san-logs/) fails the run.
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -g
SAN_OBJS = $(SRCS:%.cc=san/%.o)
SAN_LOGS = $(CURDIR)/san-logs

san/%.o: %.cc *.h
	@mkdir -p san
	$(CXX) $(JT_CPPFLAGS) $(CPPFLAGS) $(JT_CXXFLAGS) $(CXXFLAGS) $(OPT) $(SAN_FLAGS) -c -o $@ $<

jtunnel-san: $(SAN_OBJS)
	$(CXX) $(JT_CXXFLAGS) $(CXXFLAGS) $(SAN_FLAGS) $(JT_LDFLAGS) $(LDFLAGS) -o $@ $(SAN_OBJS)

# jtunnel-static: the same program linked statically against musl (Debian's
# musl-tools).  Its processes map no shared libc and no dynamic loader, so
# each needs only a few pages of its own: the build for hosts where memory
# is short.  Stripped, as small hosts want it.  The kernel's headers come
# from the system (linux-libc-dev).
STATIC_CXX = REALGCC=$(CXX) musl-gcc
STATIC_OBJS = $(SRCS:%.cc=static/%.o)
KERNEL_HEADERS = /usr/include/linux /usr/include/asm-generic \
	/usr/include/$(shell $(CXX) -print-multiarch)/asm

static/include:
	mkdir -p $@ && ln -sfn $(KERNEL_HEADERS) $@/

static/%.o: %.cc *.h | static/include
	$(STATIC_CXX) $(JT_CPPFLAGS) -idirafter static/include $(CPPFLAGS) $(JT_CXXFLAGS) $(CXXFLAGS) $(OPT) -c -o $@ $<

jtunnel-static: $(STATIC_OBJS)
	$(STATIC_CXX) -static -s $(JT_CXXFLAGS) $(CXXFLAGS) -Wl,--gc-sections -Wl,-z,noseparate-code $(LDFLAGS) -o $@ $(STATIC_OBJS)

# check and demo first install the Debian packages they need, the compiler
# among them, so that a fresh machine needs nothing but make and a clone.
DEPS = bash -c '. t/deps.sh && deps_install "$$@"' deps

ifeq ($(SANITIZE),1)
check:
	$(DEPS) build test
	$(MAKE) jtunnel jtunnel-san unit-tests
	t/unit
	rm -rf $(SAN_LOGS) && mkdir -m 1777 $(SAN_LOGS)
	ASAN_OPTIONS=log_path=$(SAN_LOGS)/asan:detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=log_path=$(SAN_LOGS)/ubsan:print_stacktrace=1 \
	JTUNNEL=$(CURDIR)/jtunnel-san t/run $(CHECK_ARGS); s=$$?; \
	if ls $(SAN_LOGS)/* >/dev/null 2>&1; then \
		head -n 60 $(SAN_LOGS)/*; echo "make check: sanitizer reports (above, in $(SAN_LOGS))"; exit 1; \
	fi; exit $$s
else
check:
	$(DEPS) build test
	$(MAKE) jtunnel $(FLAVOUR) unit-tests
	t/unit
	JTUNNEL=$(CURDIR)/$(FLAVOUR) t/run $(CHECK_ARGS)
endif

# make check-bsd: every source of the BSD build compiled for FreeBSD,
# NetBSD, OpenBSD and macOS against their own headers (BSD_SYSROOTS), by
# clang, warnings as errors, and every function used found defined (see
# t/check-bsd).  Needs no BSD machine.
BSD_SYSROOTS ?= ../shared/sysroots
check-bsd:
	$(DEPS) bsd
	t/check-bsd $(BSD_SYSROOTS)

# make cross-check: jtunnel and the unit tests cross-built for big-endian
# MIPS and for armhf, their sizes and libraries, the unit tests and a part
# of the suite run under qemu-user, and that part again with a MIPS client
# against this machine's server (see t/cross-check).
cross-check:
	$(DEPS) build test cross
	t/cross-check $(CROSS_ARGS)

# make fuzz [FUZZ_SECONDS=60]: each libFuzzer target in fuzz/ for that long,
# one after the other (needs Debian clang-14 and libclang-rt-14-dev).
FUZZ_SECONDS ?= 60
fuzz:
	$(DEPS) fuzz
	$(MAKE) -C fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

demo:
	$(DEPS) build demo
	$(MAKE) jtunnel
	./demo.sh

# make bench BENCHFLAGS='-r 3': throughput, latency, CPU and memory beside
# the raw underlay (see bench/README.md).
bench: $(FLAVOUR) bench/handshake_speed bench/crypto_speed
	bench/run -j ./$(FLAVOUR) $(BENCHFLAGS)

# X25519 operations and server handshakes per second, for bench/run.
bench/handshake_speed: bench/handshake_speed.cc $(NOISE_SRCS) *.h
	$(CXX) $(JT_CPPFLAGS) $(CPPFLAGS) $(JT_CXXFLAGS) $(CXXFLAGS) $(LDFLAGS) -o $@ \
		bench/handshake_speed.cc $(NOISE_SRCS)

install: $(FLAVOUR)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(FLAVOUR) $(DESTDIR)$(SBINDIR)/jtunnel
	install -m 644 man/jtunnel.8 $(DESTDIR)$(MANDIR)/man8/jtunnel.8

# The systemd units, their ExecStart naming the jtunnel that install puts
# in SBINDIR (give both the same PREFIX), and their settings as examples.
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSTEMD_EXAMPLES = $(PREFIX)/share/doc/jtunnel/systemd
install-systemd:
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSTEMD_EXAMPLES)
	for unit in jtunnel-server.service jtunnel-client@.service; do \
		sed '/^ExecStart=/s|/usr/sbin/jtunnel|$(SBINDIR)/jtunnel|' contrib/systemd/$$unit \
			>$(DESTDIR)$(SYSTEMDUNITDIR)/$$unit && \
		chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit || exit 1; \
	done
	install -m 644 contrib/systemd/jtunnel-server.default \
		contrib/systemd/jtunnel-client.default $(DESTDIR)$(SYSTEMD_EXAMPLES)/

clean:
	rm -rf jtunnel *.o $(UNIT_TESTS) bench/handshake_speed bench/crypto_speed jtunnel-san san san-logs jtunnel-static static
	$(MAKE) -C fuzz clean

.PHONY: all check check-bsd cross-check demo bench fuzz install install-systemd clean unit-tests
