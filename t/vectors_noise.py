#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Prints the Noise_NNpsk0_25519_ChaChaPoly_BLAKE2s vectors of
# VECTORS/noise_nnpsk0_vectors.json (cacophony) for t/noise_test, one line
# each, hex fields ("-" for empty):
#
#   handshake PROLOGUE PSK INIT_EPHEMERAL RESP_EPHEMERAL
#             PAYLOAD1 MESSAGE1 PAYLOAD2 MESSAGE2 HANDSHAKE_HASH
#   to_responder PAYLOAD CIPHERTEXT     (transport, under Split()'s first key)
#   to_initiator PAYLOAD CIPHERTEXT     (transport, under its second key)
#
# The transport lines follow their handshake in the vector's order, which
# alternates, starting with the initiator.
import json
import sys

PROTOCOL = "Noise_NNpsk0_25519_ChaChaPoly_BLAKE2s"
HANDSHAKE_MESSAGES = 2


def field(text):
    return text if text else "-"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: vectors_noise.py VECTORS_DIR")
    with open(sys.argv[1] + "/noise_nnpsk0_vectors.json") as f:
        vectors = json.load(f)["vectors"]
    printed = 0
    for v in vectors:
        if v["protocol_name"] != PROTOCOL:
            continue
        # One prologue and one PSK, the same at both ends.
        if v["init_prologue"] != v["resp_prologue"] or v["init_psks"] != v["resp_psks"] \
                or len(v["init_psks"]) != 1:
            sys.exit("vectors_noise.py: a vector whose ends differ or that has not one PSK")
        m = v["messages"]
        print("handshake", field(v["init_prologue"]), v["init_psks"][0], v["init_ephemeral"],
              v["resp_ephemeral"], field(m[0]["payload"]), m[0]["ciphertext"],
              field(m[1]["payload"]), m[1]["ciphertext"], v["handshake_hash"])
        for i, t in enumerate(m[HANDSHAKE_MESSAGES:]):
            kind = "to_responder" if i % 2 == 0 else "to_initiator"
            print(kind, field(t["payload"]), t["ciphertext"])
        printed += 1
    if printed == 0:
        sys.exit("vectors_noise.py: no %s vector" % PROTOCOL)


main()
