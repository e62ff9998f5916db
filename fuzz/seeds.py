#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Writes the hand-made seeds of corpus/TARGET/seed-* (run from fuzz/).

Seeds found by fuzzing, and inputs of fixed crashes (regress-*), are kept
beside them as they are; this script only rewrites its own seed-* files."""
import os
import struct

ID = bytes.fromhex("0123456789abcdef")


def ipv4_ping():
    body = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping" * 8
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 1, 0x4000, 64, 1, 0,
                      bytes([198, 19, 1, 2]), bytes([198, 19, 1, 1]))
    return hdr + body


def ipv6_ping():
    body = struct.pack("!BBHHH", 128, 0, 0, 1, 1) + b"ping" * 8
    src = bytes.fromhex("fd000019000100000000000000000002")
    dst = bytes.fromhex("fd000019000100000000000000000001")
    return struct.pack("!IHBB", 6 << 28, len(body), 58, 64) + src + dst + body


def words(*w):
    return b"\0".join(x.encode() for x in w)


SEEDS = {
    "datagram": {
        "empty": b"",
        "short1": b"\x01",
        "short7": ID[:7],
        "keepalive": ID,
        "ipv4-ping": ID + ipv4_ping(),
        "ipv6-ping": ID + ipv6_ping(),
        "one-byte-payload": ID + b"\x45",
        "zero-id": bytes(8) + ipv4_ping(),
    },
    "id": {
        "lower": b"0123456789abcdef",
        "upper": b"0123456789ABCDEF",
        "mixed": b"c0FFee00000000Aa",
        "short": b"0123456789abcde",
        "long": b"0123456789abcdef0",
        "nonhex": b"0123456789abcdeg",
        "0x": b"0x23456789abcdef",
        "space": b" 123456789abcdef",
        "nul-inside": b"01234567\x0089abcdef",
        "empty": b"",
    },
    "addr": {
        "v4": b"\x14\x1f198.18.0.1",
        "v4-any": b"\x00\x000.0.0.0",
        "v6": b"\x14\x1ffd00::1",
        "v6-any": b"\xff\xff::",
        "v6-full": b"\x00\x01fd00:0018:0001:0000:0000:0000:0000:0001",
        "v4-mapped": b"\x14\x1f::ffff:198.18.0.1",
        "v4-compat": b"\x14\x1f::198.18.0.1",
        "v6-longest": b"\x14\x1fffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
        "v6-scope": b"\x14\x1ffe80::1%eth0",
        "v4-short": b"\x14\x1f198.18.1",
        "v4-octal": b"\x14\x1f0198.018.0.1",
        "v4-hex": b"\x14\x1f0xc6.18.0.1",
        "name": b"\x14\x1flocalhost",
        "bracketed": b"\x14\x1f[fd00::1]",
        "port-suffix": b"\x14\x1f198.18.0.1:5151",
    },
    "options": {
        "server": words("-s", "-i", "0123456789abcdef", "-c", "/etc/jtunnel", "prog"),
        "server-all": words("-s", "-v", "-b", "::", "-p", "5151", "-i", "0123456789ABCDEF",
                            "-c", "conf", "-m", "1400", "prog", "a", "-b"),
        "client": words("198.18.0.1", "5151", "prog"),
        "client-all": words("-v", "-b", "198.18.0.2", "-p", "0", "-i", "c0ffee0000000001",
                            "-c", "conf", "-m", "68", "-k", "0", "host.example", "65535",
                            "prog", "-s", "--x"),
        "joined": words("-vsp5151", "-m65000", "-iabcdefabcdefabcd", "prog"),
        "dashdash": words("-s", "--", "-prog"),
        "prog-dash": words("-s", "prog", "-v", "-m", "1"),
        "g": words("-g"),
        "K": words("-K"),
        "h": words("-h"),
        "V": words("-V"),
        "unknown": words("-Z"),
        "missing-arg": words("-s", "-p"),
        "bad-port": words("-p", "65536", "-s", "prog"),
        "bad-mtu": words("-s", "-m", "67", "prog"),
        "bad-k": words("-k", "86401", "a", "1", "prog"),
        "server-k": words("-s", "-k", "5", "prog"),
        "bad-id": words("-s", "-i", "0123", "prog"),
        "bad-bind": words("-s", "-b", "localhost", "prog"),
        "no-address": words(),
        "no-port": words("198.18.0.1"),
        "no-prog": words("198.18.0.1", "5151"),
        "port-zero": words("198.18.0.1", "0", "prog"),
        "empty-words": words("", "", "", "prog"),
        "dash-alone": words("-", "1", "prog"),
    },
    # 8 seed bytes, then operations: 0x00-0x7f insert, 0x80-0xbf remove,
    # 0xc0-0xff find (the low 6 bits pick one of 64 identifiers).
    "table": {
        "fill-empty": bytes(8) + bytes(range(64)) + bytes(range(0x80, 0xc0)),
        "churn": b"jtunnel!" + bytes([0, 1, 2, 3, 0x80, 4, 0x81, 5, 0xc0, 0xc1, 0x82, 0x83]) * 4,
        "neighbours": b"\x01" * 8 + bytes(range(32, 64)) + bytes(range(0x9f, 0xa8)) +
                      bytes(range(0xe0, 0x100)),
        "grow": b"\xff" * 8 + bytes(range(40)) + bytes(range(0xc0, 0xe8)),
    },
}

# keyed: 8 bytes seed random_bytes, then operations (keyed_fuzz.cc's OP_
# enum), each an opcode byte and its parameters.  The input starts with six
# genuine datagrams: 0, 2, 4 towards the server (a keepalive, two packets),
# 1, 3, 5 towards the client.  A "which" byte 0 means the newest, k the
# (k-1)th.
SEAL, DELIVER, MANGLE, RANDOM, JUMP, INITIATE, INITIATION, BAD_INITIATION, \
    RESPONSE, TIME = range(10)
TO_SERVER, TO_CLIENT = 0, 1


def ops(*o):
    return b"keyedfuz" + bytes(b for op in o for b in op)


def deliver(which, reflected=0):
    return [DELIVER, which, reflected]


def deliver_all(n=6, reflected=0):
    return [b for k in range(1, n + 1) for b in deliver(k, reflected)]


def seal(to, cls=1, length=64, session=0):
    """cls 0 a keepalive, 1 1 + length bytes, 2 1 + length (16 bits), 3 the most."""
    extra = {1: [length], 2: [length & 0xff, length >> 8]}.get(cls, [])
    return [SEAL, to | session << 1, cls] + extra


def mangle(which, how, where=0, value=1):
    return [MANGLE, which, how, where & 0xff, where >> 8, value]


def rehandshake():
    # A new initiation, the server's answer, the client's finish, and the
    # client's confirming keepalive.
    return [INITIATE, INITIATION, 0, RESPONSE, 0, 0, 0, 0] + seal(TO_SERVER, 0) + deliver(0)


SEEDS["keyed"] = {
    "deliver-each": ops(deliver_all()),
    "deliver-reversed": ops([b for k in range(6, 0, -1) for b in deliver(k)]),
    "replay-each": ops(deliver_all(), deliver_all()),
    "reflected": ops(deliver_all(reflected=1), deliver_all()),
    "seal-deliver": ops(deliver(1), seal(TO_SERVER), deliver(0), seal(TO_CLIENT, 2, 1000),
                        deliver(0), seal(TO_CLIENT, 3), deliver(0), deliver(0)),
    "mangle-each": ops(*[mangle(k, how, 0x1234 + k, 0x80) for how in range(8) for k in (1, 2, 3)],
                       deliver_all()),
    "mangle-then-genuine": ops(*[mangle(1, 0, bit) + deliver(1) for bit in (0, 70, 130, 300)]),
    "random": ops([RANDOM, TO_SERVER, 0, 40, 0, 0] + [0x41] * 40,
                  [RANDOM, TO_SERVER, 1, 48, 0, 0] + [0x42] * 39,
                  [RANDOM, TO_CLIENT, 2, 64, 0, 2] + [0x43] * 48,
                  [RANDOM, TO_SERVER, 3, 0, 0, 0] + [0x44] * 48,
                  [RANDOM, TO_CLIENT, 3, 0, 0, 0] + [0x45] * 48, deliver_all()),
    "window": ops(deliver(1), [JUMP, TO_SERVER, 1, 0, 0], seal(TO_SERVER), deliver(0),
                  deliver(3), deliver(5), [JUMP, TO_SERVER, 1, 3, 0], seal(TO_SERVER), deliver(0),
                  seal(TO_SERVER), deliver(0)),
    # Counters 2113 and 2114 take the ring's word and bit of 1 and 2, in
    # reverse order.
    "ring-turn": ops(deliver(1), deliver(3), deliver(5), [JUMP, TO_SERVER, 4, 0, 0],
                     seal(TO_SERVER), seal(TO_SERVER), deliver(8), deliver(7)),
    "past-limit": ops(mangle(1, 8, 0), mangle(2, 8, 8191), mangle(3, 8, 77), deliver_all()),
    "counter-limit": ops(deliver(1), [JUMP, TO_SERVER, 2, 1, 0], seal(TO_SERVER), seal(TO_SERVER),
                         seal(TO_SERVER), deliver(8), deliver(7), deliver(8), [JUMP, TO_CLIENT, 2, 0, 0],
                         seal(TO_CLIENT, 0), seal(TO_CLIENT, 0), deliver(0)),
    "rehandshake": ops(deliver_all(), rehandshake(), seal(TO_CLIENT, 1, 10), deliver(0),
                       deliver_all(), rehandshake(), deliver_all()),
    "replayed-initiation": ops(deliver(1), rehandshake(), rehandshake(), [INITIATION, 1],
                               [INITIATION, 2], [INITIATION, 3], [RESPONSE, 4, 0, 0, 0]),
    # Five handshakes on, initiations 0 to 3 are held no more; replayed,
    # they take the four negotiated slots, the last in place of the
    # client's new handshake (6), whose confirmation is then refused.
    "replays-displace": ops(deliver(1), *[rehandshake() for _ in range(5)],
                            [INITIATE, INITIATION, 0, RESPONSE, 0, 0, 0, 0],
                            [INITIATION, 1, INITIATION, 2, INITIATION, 3, INITIATION, 4],
                            seal(TO_SERVER, 0), deliver(0)),
    "bad-initiations": ops(*[[BAD_INITIATION, how, 3 + how, 0x10 + how] for how in (0, 1, 2, 3, 4, 6)],
                           [BAD_INITIATION, 4, 0, 0x21], [BAD_INITIATION, 6, 0, 3],
                           [BAD_INITIATION, 5, 0, 0] + [0x46] * 48, deliver(1)),
    "responses": ops([INITIATE, INITIATION, 0, RESPONSE, 0, 2, 20, 1, RESPONSE, 0, 3, 1, 1,
                      RESPONSE, 0, 1, 63, 0x80, RESPONSE, 1, 0, 0, 0],
                     seal(TO_SERVER, 0), deliver(0)),
    "stale-response": ops([INITIATE, INITIATION, 0, INITIATE, RESPONSE, 0, 0, 0, 0, INITIATION, 0,
                           RESPONSE, 0, 0, 0, 0], seal(TO_SERVER, 0), deliver(0)),
    "expiry": ops(deliver(1), deliver(2), [TIME, 0x50, 0x46], deliver(3), deliver(4),
                  rehandshake(), [TIME, 0x00, 0x20], deliver(5)),
}


def tcp_segment(version, payload):
    """A TCP segment with timestamps, as a tun hands one over to be cut."""
    body = bytes((i * 7) & 0xff for i in range(payload))
    tcp = struct.pack("!HHIIBBHHH", 40000, 5201, 1, 2, 8 << 4, 0x18, 502, 0, 0)
    tcp += bytes([1, 1, 8, 10]) + bytes(8)
    if version == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + payload, 1, 0x4000, 64, 6, 0,
                         bytes([198, 19, 1, 2]), bytes([198, 19, 1, 1]))
    else:
        ip = struct.pack("!IHBB", 6 << 28, len(tcp) + payload, 6, 64) + \
            bytes.fromhex("fd000019000100000000000000000002") + \
            bytes.fromhex("fd000019000100000000000000000001")
    return ip + tcp + body


# offload: segment size, checksum start and offset (16 bits each), packet.
SEEDS["offload"] = {
    "ipv4-segment": struct.pack("!HHH", 1368, 20, 16) + tcp_segment(4, 5000),
    "ipv6-segment": struct.pack("!HHH", 1348, 40, 16) + tcp_segment(6, 3000),
    "ipv4-one-byte-packets": struct.pack("!HHH", 1, 20, 16) + tcp_segment(4, 40),
    "ipv4-ping-checksum": struct.pack("!HHH", 0, 20, 2) + ipv4_ping(),
}

for target, seeds in SEEDS.items():
    d = os.path.join("corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)
