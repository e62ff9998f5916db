#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""A second implementation of jtunnel's keyed wire format, for the tests.

Written from INTERFACE.md ("Wire format, keyed mode") and the Noise
specification (revision 34) alone: Noise_NNpsk0_25519_ChaChaPoly_BLAKE2s,
the client as initiator, a 25-byte prologue ("jtunnel 1", the client's
identifier, the server's), 64-byte handshake datagrams and data datagrams
of 32 + L bytes.  Needs Debian's python3 with python3-cryptography.

Every wait is bounded.  Addresses are numeric; identifiers 16 hex digits;
KEY 64 hex digits.  Usage: jtkeyed.py COMMAND ARGS...

  selftest VECTORS_DIR
      The NNpsk0 vector of noise_nnpsk0_vectors.json (both handshake
      messages, the handshake hash, every transport message), the replay
      window, and a jtunnel handshake between our own two ends.
  client BIND SPORT SERVER PORT MY_ID SERVER_ID KEY PING_SRC PING_DST [CHECK...]
      A keyed client: handshake, a keepalive, then ICMP echo requests from
      PING_SRC to PING_DST inside the tunnel until a reply comes (10 s).
      CHECKs then probe the server's receive path with our own keys:
        replay   a datagram sent twice is answered once
        reorder  two datagrams sent out of order are both answered
        old      2048 or more behind the highest counter: not answered;
                 1000 behind: answered
        tamper   one flipped bit (counter, ciphertext, tag): not answered;
                 the untouched datagram afterwards: answered
      Prints one line per step; exits 0 when all went as expected.
  server BIND PORT MY_ID CLIENT_ID KEY SECONDS
      A keyed server for one client for SECONDS: answers initiations,
      keepalives (with a keepalive) and ICMP echo requests (with a reply);
      prints one line per event.
  initiate BIND SPORT SERVER PORT MY_ID SERVER_ID KEY COUNT
      Sends COUNT initiations (a fresh ephemeral key each) at once, counts
      the responses within a second after the last: "sent= responses=
      valid=" (valid: it completes one of our handshakes).
  replay PCAP TO_PORT TYPE LEN BIND SPORT DST DPORT [COPIES [FLIP,...]]
      Resends, from BIND:SPORT to DST:DPORT, COPIES times (default 1) every
      UDP payload in PCAP sent to port TO_PORT whose type byte is TYPE and
      length LEN ("any": all).  With FLIP offsets, sends one copy per offset
      with the low bit of that byte flipped instead.  Counts replies within a second: "sent=
      replies=".  Exits 1 if PCAP held nothing to send.
  wire PCAP PORT
      One line per UDP datagram to or from PORT in PCAP:
      "TIME up|down LENGTH ID TYPE ZERO", ZERO 1 if bytes 9..15 are zero.
  find PCAP HEX
      How many UDP payloads in PCAP contain the bytes HEX.
"""
import hashlib
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PROTOCOL = b"Noise_NNpsk0_25519_ChaChaPoly_BLAKE2s"
PROLOGUE_HEAD = b"jtunnel 1"
HASH_LEN = 32
BLOCK_LEN = 64
TYPE_INITIATION, TYPE_RESPONSE, TYPE_DATA = 1, 2, 4
ID_LEN = 8
HEADER_LEN = 16
TAG_LEN = 16
HANDSHAKE_LEN = HEADER_LEN + 32 + TAG_LEN
WINDOW = 2048


# ------------------------------------------------------------ primitives

def blake2s(data):
    return hashlib.blake2s(data).digest()


def hmac_blake2s(key, data):
    """HMAC (RFC 2104) over BLAKE2s, block length 64."""
    key = key.ljust(BLOCK_LEN, b"\0")
    inner = blake2s(bytes(b ^ 0x36 for b in key) + data)
    return blake2s(bytes(b ^ 0x5C for b in key) + inner)


def hkdf(chaining_key, material, outputs):
    """Noise rev 34 section 4.3."""
    temp = hmac_blake2s(chaining_key, material)
    out = [hmac_blake2s(temp, b"\x01")]
    while len(out) < outputs:
        out.append(hmac_blake2s(temp, out[-1] + bytes([len(out) + 1])))
    return out


def nonce(n):
    return b"\0\0\0\0" + struct.pack("<Q", n)


def public_of(private):
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def dh(private, public):
    """X25519; cryptography raises ValueError on an all-zero result."""
    return private.exchange(X25519PublicKey.from_public_bytes(public))


# ------------------------------------------------------------ Noise

class Symmetric:
    """Noise's SymmetricState with its CipherState."""

    def __init__(self, prologue):
        self.h = PROTOCOL.ljust(HASH_LEN, b"\0") if len(PROTOCOL) <= HASH_LEN else blake2s(PROTOCOL)
        self.ck = self.h
        self.k = None
        self.n = 0
        self.mix_hash(prologue)

    def mix_hash(self, data):
        self.h = blake2s(self.h + data)

    def mix_key(self, material):
        self.ck, self.k = hkdf(self.ck, material, 2)
        self.n = 0

    def mix_key_and_hash(self, material):
        self.ck, temp_h, self.k = hkdf(self.ck, material, 3)
        self.mix_hash(temp_h)
        self.n = 0

    def encrypt_and_hash(self, plaintext):
        out = ChaCha20Poly1305(self.k).encrypt(nonce(self.n), plaintext, self.h)
        self.n += 1
        self.mix_hash(out)
        return out

    def decrypt_and_hash(self, ciphertext):
        out = ChaCha20Poly1305(self.k).decrypt(nonce(self.n), ciphertext, self.h)
        self.n += 1
        self.mix_hash(ciphertext)
        return out

    def split(self):
        return hkdf(self.ck, b"", 2)


def initiator_start(prologue, psk, ephemeral=None, payload=b""):
    """-> psk, e.  Returns (state, ephemeral private key, message)."""
    s = Symmetric(prologue)
    s.mix_key_and_hash(psk)
    e = ephemeral or X25519PrivateKey.generate()
    e_pub = public_of(e)
    s.mix_hash(e_pub)
    s.mix_key(e_pub)
    return s, e, e_pub + s.encrypt_and_hash(payload)


def initiator_finish(s, e, message):
    """<- e, ee.  Returns (payload, k1, k2); raises on a bad message."""
    re = message[:32]
    s.mix_hash(re)
    s.mix_key(re)
    s.mix_key(dh(e, re))
    payload = s.decrypt_and_hash(message[32:])
    return (payload,) + tuple(s.split())


def responder(prologue, psk, message, ephemeral=None, payload=b""):
    """Reads -> psk, e and writes <- e, ee.  Returns (their payload, our
    message, k1, k2); raises InvalidTag on a wrong key."""
    s = Symmetric(prologue)
    s.mix_key_and_hash(psk)
    re = message[:32]
    s.mix_hash(re)
    s.mix_key(re)
    theirs = s.decrypt_and_hash(message[32:])
    e = ephemeral or X25519PrivateKey.generate()
    e_pub = public_of(e)
    s.mix_hash(e_pub)
    s.mix_key(e_pub)
    s.mix_key(dh(e, re))
    ours = e_pub + s.encrypt_and_hash(payload)
    return (theirs, ours) + tuple(s.split()) + (s.h,)


# ------------------------------------------------------- jtunnel framing

def prologue(client_id, server_id):
    return PROLOGUE_HEAD + client_id + server_id


def handshake_datagram(sender, kind, message):
    return sender + bytes([kind]) + b"\0" * 7 + message


def is_handshake(d, kind):
    return len(d) == HANDSHAKE_LEN and d[8] == kind and d[9:16] == b"\0" * 7


class Window:
    """Sliding replay window: bit i of seen is counter highest - i."""

    def __init__(self):
        self.highest = -1
        self.seen = 0

    def accept(self, n):
        if n > self.highest:
            self.seen = ((self.seen << (n - self.highest)) | 1) & ((1 << WINDOW) - 1)
            self.highest = n
            return True
        behind = self.highest - n
        if behind >= WINDOW or self.seen >> behind & 1:
            return False
        self.seen |= 1 << behind
        return True


class Session:
    def __init__(self, my_id, send_key, recv_key):
        self.my_id = my_id
        self.send = ChaCha20Poly1305(send_key)
        self.recv = ChaCha20Poly1305(recv_key)
        self.counter = 0
        self.window = Window()

    def seal(self, packet):
        n = self.counter
        self.counter += 1
        head = self.my_id + bytes([TYPE_DATA]) + n.to_bytes(7, "little")
        return head + self.send.encrypt(nonce(n), packet, b"")

    def open(self, d):
        """The packet in data datagram d, or None if it does not verify or
        was seen already (the counter is recorded only after the tag)."""
        if len(d) < HEADER_LEN + TAG_LEN or d[8] != TYPE_DATA:
            return None
        n = int.from_bytes(d[9:16], "little")
        try:
            packet = self.recv.decrypt(nonce(n), d[16:], b"")
        except InvalidTag:
            return None
        return packet if self.window.accept(n) else None


# ----------------------------------------------------------- IP and ICMP

def checksum(b):
    if len(b) % 2:
        b += b"\0"
    total = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_packet(src, dst, ident, seq, payload, reply=False):
    """An ICMP (or ICMPv6) echo request or reply, checksums filled in."""
    src, dst = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if src.version == 6:
        kind = 129 if reply else 128
        icmp = struct.pack("!BBHHH", kind, 0, 0, ident, seq) + payload
        pseudo = src.packed + dst.packed + struct.pack("!I3xB", len(icmp), 58)
        icmp = icmp[:2] + struct.pack("!H", checksum(pseudo + icmp)) + icmp[4:]
        return struct.pack("!IHBB", 6 << 28, len(icmp), 58, 64) + src.packed + dst.packed + icmp
    kind = 0 if reply else 8
    icmp = struct.pack("!BBHHH", kind, 0, 0, ident, seq) + payload
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), ident, 0, 64, 1, 0,
                      src.packed, dst.packed)
    return hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:] + icmp


def parse_echo(p):
    """(reply?, src, dst, ident, seq, payload) of an echo packet, or None."""
    if len(p) >= 28 and p[0] >> 4 == 4 and p[9] == 1:
        ihl = (p[0] & 15) * 4
        src, dst, icmp = p[12:16], p[16:20], p[ihl:]
        kinds = {8: False, 0: True}
    elif len(p) >= 48 and p[0] >> 4 == 6 and p[6] == 58:
        src, dst, icmp = p[8:24], p[24:40], p[40:]
        kinds = {128: False, 129: True}
    else:
        return None
    if len(icmp) < 8 or icmp[0] not in kinds:
        return None
    ident, seq = struct.unpack("!HH", icmp[4:8])
    return (kinds[icmp[0]], str(ipaddress.ip_address(src)), str(ipaddress.ip_address(dst)),
            ident, seq, icmp[8:])


# ---------------------------------------------------------------- sockets

def udp_socket(bind, port):
    s = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((bind, int(port)))
    return s


def same_peer(a, b):
    return ipaddress.ip_address(a[0]) == ipaddress.ip_address(b[0]) and a[1] == b[1]


def receive(s, deadline):
    """The next (datagram, address) before deadline, or (None, None)."""
    left = deadline - time.monotonic()
    if left <= 0 or not select.select([s], [], [], left)[0]:
        return None, None
    return s.recvfrom(65535)


def ident(text):
    b = bytes.fromhex(text)
    if len(b) != ID_LEN:
        raise SystemExit("bad identifier: %s" % text)
    return b


def key(text):
    b = bytes.fromhex(text)
    if len(b) != 32:
        raise SystemExit("bad key: %s" % text)
    return b


def say(*words):
    print(*words, flush=True)


# ---------------------------------------------------------------- client

class Client:
    def __init__(self, bind, sport, server, port, my_id, server_id, psk):
        self.sock = udp_socket(bind, sport)
        self.server = (server, int(port))
        self.my_id, self.server_id, self.psk = my_id, server_id, psk
        self.session = None
        self.keepalives = 0

    def handshake(self, attempts=5, wait=2.0):
        for _ in range(attempts):
            s, e, msg = initiator_start(prologue(self.my_id, self.server_id), self.psk)
            self.sock.sendto(handshake_datagram(self.my_id, TYPE_INITIATION, msg), self.server)
            deadline = time.monotonic() + wait
            while True:
                d, addr = receive(self.sock, deadline)
                if d is None:
                    break
                if not same_peer(addr, self.server) or d[:8] != self.server_id \
                        or not is_handshake(d, TYPE_RESPONSE):
                    continue
                try:
                    _, k1, k2 = initiator_finish(s, e, d[16:])
                except (InvalidTag, ValueError):
                    say("response: does not verify")
                    continue
                self.session = Session(self.my_id, k1, k2)
                return True
        return False

    def send(self, packet):
        self.sock.sendto(self.session.seal(packet), self.server)

    def packets(self, deadline):
        """Yields every packet that verifies before deadline."""
        while True:
            d, addr = receive(self.sock, deadline)
            if d is None:
                return
            if not same_peer(addr, self.server) or d[:8] != self.server_id:
                continue
            p = self.session.open(d)
            if p == b"":
                self.keepalives += 1
            elif p is not None:
                yield p

    def reply_to(self, seq, wait):
        """Is an echo reply with sequence number seq seen within wait?"""
        for p in self.packets(time.monotonic() + wait):
            e = parse_echo(p)
            if e and e[0] and e[3] == self.ping_id and e[4] == seq:
                return True
        return False

    def echo(self, seq):
        return echo_packet(self.ping_src, self.ping_dst, self.ping_id, seq, b"jtkeyed %d" % seq)


def check_replay(c):
    d = c.session.seal(c.echo(100))
    c.sock.sendto(d, c.server)
    first = c.reply_to(100, 2)
    c.sock.sendto(d, c.server)
    return first and not c.reply_to(100, 1)


def check_reorder(c):
    d1, d2 = c.session.seal(c.echo(101)), c.session.seal(c.echo(102))
    c.sock.sendto(d2, c.server)
    c.sock.sendto(d1, c.server)
    got = set()
    for p in c.packets(time.monotonic() + 2):
        e = parse_echo(p)
        if e and e[0] and e[3] == c.ping_id:
            got.add(e[4])
        if {101, 102} <= got:
            return True
    return False


def check_old(c):
    base = c.session.counter
    old = c.session.seal(c.echo(104))
    c.session.counter = base + WINDOW + 952
    new = c.session.seal(c.echo(103))
    c.session.counter = base + WINDOW + 952 - 1000
    near = c.session.seal(c.echo(105))
    c.session.counter = base + WINDOW + 953
    c.sock.sendto(new, c.server)
    ok = c.reply_to(103, 2)
    c.sock.sendto(old, c.server)
    ok = not c.reply_to(104, 1) and ok
    c.sock.sendto(near, c.server)
    return c.reply_to(105, 2) and ok


def check_tamper(c):
    d = c.session.seal(c.echo(106))
    ok = True
    for offset in (9, 20, len(d) - 1):
        bad = bytearray(d)
        bad[offset] ^= 1
        c.sock.sendto(bytes(bad), c.server)
        ok = not c.reply_to(106, 1) and ok
    c.sock.sendto(d, c.server)
    return c.reply_to(106, 2) and ok


CHECKS = dict(replay=check_replay, reorder=check_reorder, old=check_old, tamper=check_tamper)


def cmd_client(bind, sport, server, port, my_id, server_id, psk, ping_src, ping_dst, *checks):
    for name in checks:
        if name not in CHECKS:
            raise SystemExit("unknown check: %s" % name)
    c = Client(bind, sport, server, port, ident(my_id), ident(server_id), key(psk))
    c.ping_src, c.ping_dst, c.ping_id = ping_src, ping_dst, os.getpid() & 0xFFFF
    if not c.handshake():
        say("handshake: no valid response")
        return 1
    say("handshake: done")
    c.send(b"")
    say("keepalive: sent")
    deadline = time.monotonic() + 10
    seq = 0
    while time.monotonic() < deadline:
        seq += 1
        c.send(c.echo(seq))
        if c.reply_to(seq, 0.5):
            break
    else:
        say("echo: no reply")
        return 1
    say("echo: reply from %s (seq %d)" % (ping_dst, seq))
    status = 0
    for name in checks:
        ok = CHECKS[name](c)
        say("check %s: %s" % (name, "ok" if ok else "FAILED"))
        status |= not ok
    say("keepalives received: %d" % c.keepalives)
    return status


# ---------------------------------------------------------------- server

def cmd_server(bind, port, my_id, client_id, psk, seconds):
    my_id, client_id, psk = ident(my_id), ident(client_id), key(psk)
    sock = udp_socket(bind, port)
    say("listening")
    current, pending = None, []
    peer = None
    first = True
    deadline = time.monotonic() + float(seconds)
    while True:
        d, addr = receive(sock, deadline)
        if d is None:
            return 0
        where = "%s:%d" % addr[:2]
        if len(d) < HEADER_LEN or d[:8] != client_id:
            say("dropped: %d bytes from %s" % (len(d), where))
            continue
        if is_handshake(d, TYPE_INITIATION):
            try:
                _, msg, k1, k2, _ = responder(prologue(client_id, my_id), psk, d[16:])
            except (InvalidTag, ValueError):
                say("initiation from %s: does not verify" % where)
                continue
            sock.sendto(handshake_datagram(my_id, TYPE_RESPONSE, msg), addr)
            pending = (pending + [Session(my_id, k2, k1)])[-4:]
            say("initiation from %s: answered" % where)
            continue
        packet = None
        for s in ([current] if current else []) + pending:
            packet = s.open(d)
            if packet is not None:
                break
        if packet is None:
            say("dropped: data from %s does not verify" % where)
            continue
        if s is not current:
            current, pending = s, []
            say("session: confirmed by %s" % ("a keepalive" if packet == b"" else "data"))
        peer = addr
        if packet == b"":
            say("keepalive from %s: answered%s" % (where, " (first datagram)" if first else ""))
            sock.sendto(current.seal(b""), peer)
        else:
            e = parse_echo(packet)
            if e and not e[0]:
                say("echo request %s > %s seq %d: answered" % (e[1], e[2], e[4]))
                sock.sendto(current.seal(echo_packet(e[2], e[1], e[3], e[4], e[5], True)), peer)
            else:
                say("packet: %d bytes" % len(packet))
        first = False


# ----------------------------------------------------------- attack tools

def cmd_initiate(bind, sport, server, port, my_id, server_id, psk, count):
    my_id, server_id, psk = ident(my_id), ident(server_id), key(psk)
    sock = udp_socket(bind, sport)
    dest = (server, int(port))
    states = []
    for _ in range(int(count)):
        s, e, msg = initiator_start(prologue(my_id, server_id), psk)
        states.append((s, e))
        sock.sendto(handshake_datagram(my_id, TYPE_INITIATION, msg), dest)
    responses = valid = 0
    deadline = time.monotonic() + 1
    while True:
        d, addr = receive(sock, deadline)
        if d is None:
            break
        responses += 1
        if not is_handshake(d, TYPE_RESPONSE) or d[:8] != server_id:
            continue
        for i, (s, e) in enumerate(states):
            try:
                # A copy: a failed attempt must not spoil the state.
                t = Symmetric(b"")
                t.__dict__.update(s.__dict__)
                initiator_finish(t, e, d[16:])
            except (InvalidTag, ValueError):
                continue
            valid += 1
            del states[i]
            break
    say("sent=%s responses=%d valid=%d" % (count, responses, valid))
    return 0


def cmd_replay(path, to_port, kind, length, bind, sport, dst, dport, copies="1", flips=""):
    chosen = [p for t, src, sp, dstaddr, dp, p in udp_datagrams(path)
              if dp == int(to_port) and len(p) > 8 and (kind == "any" or p[8] == int(kind))
              and (length == "any" or len(p) == int(length))]
    sock = udp_socket(bind, sport)
    sent = 0
    for p in chosen * int(copies):
        for offset in [int(f) for f in flips.split(",") if f] or [None]:
            d = bytearray(p)
            if offset is not None:
                d[offset] ^= 1
            sock.sendto(bytes(d), (dst, int(dport)))
            sent += 1
    replies = 0
    deadline = time.monotonic() + 1
    while receive(sock, deadline)[0] is not None:
        replies += 1
    say("sent=%d replies=%d" % (sent, replies))
    return 0 if sent else 1


# ---------------------------------------------------------------- pcap

def udp_datagrams(path):
    """Yields (time, src, sport, dst, dport, payload) of every whole UDP
    datagram in a pcap file (Ethernet, Linux cooked or raw IP)."""
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    end = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    fraction = 1e9 if data[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1e6
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0xFFFF
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl = struct.unpack(end + "III", data[off:off + 12])
        if off + 16 + incl > len(data):
            break  # a record tcpdump is still writing
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            pkt = frame[14:]
        elif linktype == 113:
            pkt = frame[16:]
        elif linktype in (12, 101):
            pkt = frame
        else:
            continue
        if len(pkt) >= 20 and pkt[0] >> 4 == 4:
            if pkt[9] != 17 or struct.unpack("!H", pkt[6:8])[0] & 0x3FFF:
                continue
            src, dst, udp = pkt[12:16], pkt[16:20], pkt[(pkt[0] & 15) * 4:]
        elif len(pkt) >= 40 and pkt[0] >> 4 == 6:
            if pkt[6] != 17:
                continue
            src, dst, udp = pkt[8:24], pkt[24:40], pkt[40:]
        else:
            continue
        if len(udp) < 8:
            continue
        sport, dport, ulen = struct.unpack("!HHH", udp[:6])
        yield (sec + frac / fraction, str(ipaddress.ip_address(src)), sport,
               str(ipaddress.ip_address(dst)), dport, udp[8:ulen])


def cmd_wire(path, port):
    for t, src, sport, dst, dport, p in udp_datagrams(path):
        if int(port) not in (sport, dport):
            continue
        way = "up" if dport == int(port) else "down"
        kind = p[8] if len(p) > 8 else -1
        zero = int(len(p) >= 16 and p[9:16] == b"\0" * 7)
        say("%.6f %s %d %s %d %d" % (t, way, len(p), p[:8].hex(), kind, zero))
    return 0


def cmd_find(path, text):
    needle = bytes.fromhex(text)
    say(sum(needle in p for *_, p in udp_datagrams(path)))
    return 0


# ---------------------------------------------------------------- selftest

def check_vector(v, check):
    """The NNpsk0 vector v: both ends, the hash, the transport messages."""
    raw = lambda h: X25519PrivateKey.from_private_bytes(bytes.fromhex(h))
    m = [(bytes.fromhex(x["payload"]), bytes.fromhex(x["ciphertext"])) for x in v["messages"]]
    pro, psk = bytes.fromhex(v["init_prologue"]), bytes.fromhex(v["init_psks"][0])
    s, e, msg1 = initiator_start(pro, psk, raw(v["init_ephemeral"]), m[0][0])
    check("message 1", msg1 == m[0][1])
    theirs, msg2, r1, r2, rh = responder(bytes.fromhex(v["resp_prologue"]),
                                         bytes.fromhex(v["resp_psks"][0]), m[0][1],
                                         raw(v["resp_ephemeral"]), m[1][0])
    check("message 1 read", theirs == m[0][0])
    check("message 2", msg2 == m[1][1])
    payload, k1, k2 = initiator_finish(s, e, m[1][1])
    check("message 2 read", payload == m[1][0])
    check("handshake hash", s.h == rh == bytes.fromhex(v["handshake_hash"]))
    check("split", (k1, k2) == (r1, r2))
    counters = [0, 0]
    for i, (pt, ct) in enumerate(m[2:]):
        k = (k1, k2)[i % 2]
        n = counters[i % 2]
        counters[i % 2] += 1
        check("transport %d" % i, ChaCha20Poly1305(k).encrypt(nonce(n), pt, b"") == ct)
        check("transport %d read" % i, ChaCha20Poly1305(k).decrypt(nonce(n), ct, b"") == pt)
    try:
        responder(pro, bytes(32), m[0][1])
        check("wrong psk refused", False)
    except InvalidTag:
        check("wrong psk refused", True)


def cmd_selftest(vectors):
    with open(os.path.join(vectors, "noise_nnpsk0_vectors.json")) as f:
        doc = json.load(f)
    passed = failed = 0

    def check(what, ok):
        nonlocal passed, failed
        passed += bool(ok)
        failed += not ok
        if not ok:
            say("FAILED: %s" % what)

    vectors = [v for v in doc["vectors"] if v["protocol_name"] == PROTOCOL.decode()]
    check("an NNpsk0 vector", vectors)
    for v in vectors:
        try:
            check_vector(v, check)
        except (InvalidTag, ValueError) as e:
            check("vector: %r" % e, False)

    w = Window()
    check("window: first", w.accept(0) and w.accept(5) and w.accept(3))
    check("window: seen", not w.accept(3) and not w.accept(5) and not w.accept(0))
    check("window: jump", w.accept(5000) and w.accept(5000 - WINDOW + 1))
    check("window: too old", not w.accept(5000 - WINDOW) and not w.accept(10))

    # Our two ends, framed as jtunnel frames them.
    cid, sid, psk = bytes.fromhex("c0ffee0000000001"), bytes.fromhex("0123456789abcdef"), os.urandom(32)
    s, e, msg = initiator_start(prologue(cid, sid), psk)
    init = handshake_datagram(cid, TYPE_INITIATION, msg)
    check("initiation shape", is_handshake(init, TYPE_INITIATION))
    _, msg, k1, k2, _ = responder(prologue(cid, sid), psk, init[16:])
    resp = handshake_datagram(sid, TYPE_RESPONSE, msg)
    check("response shape", is_handshake(resp, TYPE_RESPONSE))
    _, c1, c2 = initiator_finish(s, e, resp[16:])
    client, server = Session(cid, c1, c2), Session(sid, k2, k1)
    ping = echo_packet("198.19.1.2", "198.19.1.1", 7, 1, b"x" * 56)
    d = client.seal(ping)
    check("data length", len(d) == len(ping) + 32 and d[:9] == cid + b"\x04")
    check("data opens", server.open(d) == ping and server.open(d) is None)
    check("keepalive", server.open(client.seal(b"")) == b"")
    check("echo parse", parse_echo(ping)[1:5] == ("198.19.1.2", "198.19.1.1", 7, 1))
    say("jtkeyed selftest: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


COMMANDS = dict(selftest=cmd_selftest, client=cmd_client, server=cmd_server,
                initiate=cmd_initiate, replay=cmd_replay, wire=cmd_wire, find=cmd_find)

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    try:
        sys.exit(COMMANDS[sys.argv[1]](*sys.argv[2:]))
    except TypeError as e:
        sys.stderr.write("jtkeyed.py %s: %s\n" % (sys.argv[1], e))
        sys.exit(2)
