#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Writes the vectors of t/chachapoly_test, one per line, from the vectors
folder given as argv[1]: rfc8439_vectors.json (kinds named after its types),
chacha20_poly1305_test.json and xchacha20_poly1305_test.json (kinds
wycheproof and xwycheproof, then valid or invalid).

When pyca/cryptography is installed it also writes an AEAD vector of every
length 0..1500 (kind sweep), so that the lengths around every block boundary
are checked against an implementation that is not ours, and Poly1305 of
bytes all 0xff (kind sweep_poly1305)."""
import json
import os
import sys

SWEEP_MAX = 1500


def hexfield(h):
    return h if h else "-"


def line(*fields):
    print(" ".join(hexfield(f) for f in fields))


def rfc8439(folder):
    with open(os.path.join(folder, "rfc8439_vectors.json")) as f:
        vectors = json.load(f)["vectors"]
    for v in vectors:
        t = v["type"]
        counter = "%08x" % v["counter"] if v["counter"] is not None else ""
        if t in ("chacha20_block", "chacha20_encrypt", "poly1305_keygen", "xchacha20_encrypt"):
            line(t, v["key"], v["nonce"], counter, v["plaintext"], v["ciphertext"])
        elif t == "poly1305":
            line(t, v["key"], v["plaintext"], v["tag"])
        elif t in ("aead_chacha20_poly1305", "aead_xchacha20_poly1305"):
            line(t, v["key"], v["nonce"], v["aad"], v["plaintext"], v["ciphertext"], v["tag"])
        elif t == "hchacha20":
            line(t, v["key"], v["nonce"], v["ciphertext"])
        else:
            sys.exit("vectors_chachapoly.py: unknown type %s in %s" % (t, v["id"]))


def wycheproof(folder, name, kind):
    with open(os.path.join(folder, name)) as f:
        groups = json.load(f)["testGroups"]
    for g in groups:
        for t in g["tests"]:
            if t["result"] not in ("valid", "invalid"):
                sys.exit("vectors_chachapoly.py: %s tcId %d: result %s" % (name, t["tcId"], t["result"]))
            line(kind, t["result"], t["key"], t["iv"], t["aad"], t["msg"], t["ct"], t["tag"])


def sweep():
    try:
        from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
        from cryptography.hazmat.primitives.poly1305 import Poly1305
    except ImportError:
        print("vectors_chachapoly.py: no pyca/cryptography, so no sweep vectors", file=sys.stderr)
        return
    # Poly1305 with every byte 0xff, key and message: the largest limbs.
    # Every third length, so that every length modulo 64 comes up.
    for n in range(0, SWEEP_MAX + 1, 3):
        key, msg = b"\xff" * 32, b"\xff" * n
        line("sweep_poly1305", key.hex(), msg.hex(), Poly1305.generate_tag(key, msg).hex())
    for n in range(SWEEP_MAX + 1):
        key = bytes((7 * i + n) & 0xff for i in range(32))
        nonce = bytes((3 * i + n + 1) & 0xff for i in range(12))
        aad = bytes((i + 2 * n) & 0xff for i in range(n % 37))
        msg = bytes((11 * i + n) & 0xff for i in range(n))
        sealed = ChaCha20Poly1305(key).encrypt(nonce, msg, aad)
        line("sweep", key.hex(), nonce.hex(), aad.hex(), msg.hex(), sealed[:-16].hex(), sealed[-16:].hex())


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: vectors_chachapoly.py VECTORS_FOLDER")
    rfc8439(sys.argv[1])
    wycheproof(sys.argv[1], "chacha20_poly1305_test.json", "wycheproof")
    wycheproof(sys.argv[1], "xchacha20_poly1305_test.json", "xwycheproof")
    sweep()


main()
