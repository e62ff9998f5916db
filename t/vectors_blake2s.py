#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Writes the BLAKE2s vectors for t/blake2s_test, one per line: the 513
of blake2s_vectors.json in the vectors folder (argv[1]), then cases
computed here with Python's hashlib and hmac:

  blake2s IN KEY OUT            BLAKE2s of IN under KEY ("-": unkeyed),
                                out_len the length of OUT (the JSON's)
  blake2s-hashlib IN KEY OUT    the same, computed with hashlib
  hmac KEY IN1 IN2 OUT          HMAC-BLAKE2s (RFC 2104) of IN1 || IN2
  hkdf CK IKM OUT1 OUT2 OUT3    Noise's HKDF (revision 34, section 4.3)"""
import hashlib
import hmac
import json
import os
import random
import sys


def hx(b):
    return b.hex() if b else "-"


def noise_hmac(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def noise_hkdf(ck, ikm):
    temp = noise_hmac(ck, ikm)
    out1 = noise_hmac(temp, b"\x01")
    out2 = noise_hmac(temp, out1 + b"\x02")
    out3 = noise_hmac(temp, out2 + b"\x03")
    return out1, out2, out3


def main():
    with open(os.path.join(sys.argv[1], "blake2s_vectors.json")) as f:
        for v in json.load(f):
            print("blake2s", v["in"] or "-", v["key"] or "-", v["out"])

    rng = random.Random(7693)
    # Every digest length, keyed and not; several blocks.
    for out_len in range(1, 33):
        for key_len in (0, 1, 16, 31, 32):
            for in_len in (0, 1, 64, 65, 129, 1000):
                key, data = rng.randbytes(key_len), rng.randbytes(in_len)
                out = hashlib.blake2s(data, key=key, digest_size=out_len).digest()
                print("blake2s-hashlib", hx(data), hx(key), hx(out))

    # HMAC keys around the block length of 64 (longer ones are hashed),
    # messages around the block edge, split at several points.
    for key_len in (0, 1, 32, 63, 64, 65, 100, 200):
        for in_len in (0, 1, 32, 55, 63, 64, 65, 127, 128, 129, 200):
            key, data = rng.randbytes(key_len), rng.randbytes(in_len)
            out = noise_hmac(key, data)
            for split in sorted({0, 1, in_len // 2, 63, 64, in_len}):
                if split <= in_len:
                    print("hmac", hx(key), hx(data[:split]), hx(data[split:]), hx(out))

    # HKDF with the ikm lengths Noise uses (32: a DH result or a PSK; 0:
    # Split()), and others up to 32.
    for ikm_len in (0, 1, 16, 31, 32):
        for _ in range(4):
            ck, ikm = rng.randbytes(32), rng.randbytes(ikm_len)
            print("hkdf", hx(ck), hx(ikm), *(hx(o) for o in noise_hkdf(ck, ikm)))


main()
