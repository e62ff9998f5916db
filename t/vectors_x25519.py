#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Writes the X25519 vectors for t/x25519_test, one per line, from the
JSON files in the vectors folder (argv[1]):

  x25519 NAME SCALAR U RESULT            X25519(SCALAR, U) == RESULT
  iterated NAME SCALAR U RESULT N        RFC 7748 5.2's loop, N times
  iterated-slow NAME SCALAR U RESULT N   the same, run only on request
  public NAME SECRET PUBLIC              x25519_public(SECRET) == PUBLIC
  wycheproof TCID PRIVATE PUBLIC SHARED RESULT FLAGS
                                         FLAGS comma-separated

An all-zero RESULT or SHARED means x25519() must return false."""
import json
import os
import sys

BASE_POINT = "09" + "00" * 31


def main():
    folder = sys.argv[1]
    with open(os.path.join(folder, "x25519_rfc7748.json")) as f:
        rfc = json.load(f)
    for v in rfc:
        fields = [v["id"], v["scalar"], v["u"], v["result"]]
        if v["iterations"] == 1:
            print("x25519", *fields)
            if v["u"] == BASE_POINT:
                print("public", v["id"], v["scalar"], v["result"])
        else:
            kind = "iterated-slow" if v["slow"] else "iterated"
            print(kind, *fields, v["iterations"])

    with open(os.path.join(folder, "x25519_test.json")) as f:
        wycheproof = json.load(f)
    for group in wycheproof["testGroups"]:
        assert group["curve"] == "curve25519"
        for t in group["tests"]:
            print("wycheproof", t["tcId"], t["private"], t["public"], t["shared"], t["result"],
                  ",".join(t["flags"]) or "-")


main()
