# jtunnel: a small IP-over-UDP tunnel.  Plain make; honours CXX, CXXFLAGS,
# CPPFLAGS, LDFLAGS, PREFIX and DESTDIR as distribution builds pass them.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man

CXX ?= c++
CXXFLAGS ?= -O2
# The binary must link against libc alone: no exceptions, no RTTI, no
# library containers, and only the libraries actually used are linked.
JT_CXXFLAGS = -std=c++17 -Wall -Wextra -fno-exceptions -fno-rtti \
	-fno-asynchronous-unwind-tables -fno-threadsafe-statics
# Symbols bound at start, before any fork, so that no forwarding process
# writes (and so copies) the relocation pages later.
JT_LDFLAGS = -Wl,--as-needed -Wl,--gc-sections -Wl,-z,now -Wl,-z,relro -static-libgcc
JT_CPPFLAGS = -D_GNU_SOURCE

UNAME_S := $(shell uname -s)
ifeq ($(UNAME_S),Linux)
PLATFORM = tun_linux.cc
else
PLATFORM = tun_bsd.cc tun_frame.cc
endif

SRCS = jtunnel.cc options.cc client.cc server.cc peer.cc net.cc spawn.cc log.cc $(PLATFORM)
OBJS = $(SRCS:.cc=.o)

all: jtunnel

jtunnel: $(OBJS)
	$(CXX) $(JT_CXXFLAGS) $(CXXFLAGS) $(JT_LDFLAGS) $(LDFLAGS) -o $@ $(OBJS)

%.o: %.cc *.h
	$(CXX) $(JT_CPPFLAGS) $(CPPFLAGS) $(JT_CXXFLAGS) $(CXXFLAGS) -c -o $@ $<

# The BSD backend's packet framing, unit-tested on any system.
t/tun_frame_test: t/tun_frame_test.cc tun_frame.cc tun_frame.h
	$(CXX) $(JT_CPPFLAGS) $(CPPFLAGS) $(JT_CXXFLAGS) $(CXXFLAGS) $(LDFLAGS) -o $@ t/tun_frame_test.cc tun_frame.cc

check: jtunnel t/tun_frame_test
	t/tun_frame_test
	t/run

demo: jtunnel
	./demo.sh

# make bench BENCHFLAGS='-r 3': throughput, latency, CPU and memory beside
# the raw underlay (see bench/README.md).
bench: jtunnel
	bench/run -j ./jtunnel $(BENCHFLAGS)

install: jtunnel
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 755 jtunnel $(DESTDIR)$(SBINDIR)/jtunnel
	install -m 644 man/jtunnel.8 $(DESTDIR)$(MANDIR)/man8/jtunnel.8

clean:
	rm -f jtunnel *.o t/tun_frame_test

.PHONY: all check demo bench install clean
