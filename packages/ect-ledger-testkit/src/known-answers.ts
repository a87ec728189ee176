import type { LedgerEntryRecord } from "ect-core/internal";

/**
 * Known-answer values of the SPEC 7 hash chain: three fixed ES256 ECTs (the first two in one
 * workflow, the second naming the first in `pred`, the third without `wid`) and the leaf and
 * chain hashes every backend must compute for them when appended in this order.
 *
 * The hashes were computed independently of this code base, with OpenSSL:
 *
 * ```sh
 * prev=$(printf '0%.0s' {1..64})            # GENESIS: 32 zero bytes, hex
 * while read t; do
 *   leaf=$( (printf '\x00'; printf '%s' "$t") | openssl dgst -sha256 -r | cut -d' ' -f1)
 *   chain=$( (printf '\x01'; printf '%s' "$prev" | xxd -r -p; printf '%s' "$leaf" | xxd -r -p) \
 *            | openssl dgst -sha256 -r | cut -d' ' -f1)
 *   echo "$leaf $chain"; prev=$chain
 * done < tokens.txt
 * ```
 *
 * The signing key was thrown away; the tokens verify with no published key (a ledger does not
 * verify signatures, its caller does).
 */
export const KNOWN_ANSWER_ENTRIES: readonly LedgerEntryRecord[] = Object.freeze([
  Object.freeze({
    seq: 1,
    token:
      "eyJhbGciOiJFUzI1NiIsInR5cCI6ImV4ZWMrand0Iiwia2lkIjoia2F0LWtleS0xIn0.eyJpc3MiOiJzcGlmZmU6Ly9leGFtcGxlLm9yZy9hZ2VudC9wbGFubmVyIiwiYXVkIjoic3BpZmZlOi8vZXhhbXBsZS5vcmcvbGVkZ2VyIiwiaWF0IjoxNzY3MjI1NjAwLCJleHAiOjE3NjcyMjYyMDAsImp0aSI6IjBiNWY4ZDJlLTdjNDEtNGE5Ni1iM2UwLTVkMmM5ZjFhN2U2NCIsIndpZCI6IjZmMWMyYTllLTRiN2QtNGUyMS05YzNhLTJkNWU4ZjBhMWIzYyIsImV4ZWNfYWN0IjoicGxhbi5jcmVhdGUiLCJwcmVkIjpbXX0.qtdZWLztFqieHNoHlGFHjV56hknPhM6gt-77fwFOEm8E-qYja_Alogk1Hicj30Y_zZzxz8zfDdi_h65hvA4esA",
    jti: "0b5f8d2e-7c41-4a96-b3e0-5d2c9f1a7e64",
    wid: "6f1c2a9e-4b7d-4e21-9c3a-2d5e8f0a1b3c",
    iss: "spiffe://example.org/agent/planner",
    ingestedAt: 1767225601000,
    leafHash: "af7f8ca3e4cef5e8d77a567d422dc33a4edc42fdd5885e3177a6f23253e7e59b",
    chainHash: "ce34f982e6ae2f6fc46645487fa46eba39637844855225652f33238d5d0e97a2",
  }),
  Object.freeze({
    seq: 2,
    token:
      "eyJhbGciOiJFUzI1NiIsInR5cCI6ImV4ZWMrand0Iiwia2lkIjoia2F0LWtleS0xIn0.eyJpc3MiOiJzcGlmZmU6Ly9leGFtcGxlLm9yZy9hZ2VudC93b3JrZXIiLCJhdWQiOlsic3BpZmZlOi8vZXhhbXBsZS5vcmcvbGVkZ2VyIiwic3BpZmZlOi8vZXhhbXBsZS5vcmcvYXVkaXRvciJdLCJpYXQiOjE3NjcyMjU2NjAsImV4cCI6MTc2NzIyNjI2MCwianRpIjoiM2M5YTFmNDctMmU4Yi00ZDA1LThmNmEtYjFkN2UyYzQwYTk1Iiwid2lkIjoiNmYxYzJhOWUtNGI3ZC00ZTIxLTljM2EtMmQ1ZThmMGExYjNjIiwiZXhlY19hY3QiOiJ0YXNrLmV4ZWN1dGUiLCJwcmVkIjpbIjBiNWY4ZDJlLTdjNDEtNGE5Ni1iM2UwLTVkMmM5ZjFhN2U2NCJdfQ.nGoTfLmeHP7o6HHbWPfujUmqNWSc8_vkO4QOv0FyXOM4uawuPJ2t_YojmiuIveVfJ-y1EH6hfx9c9vJUjxU0yA",
    jti: "3c9a1f47-2e8b-4d05-8f6a-b1d7e2c40a95",
    wid: "6f1c2a9e-4b7d-4e21-9c3a-2d5e8f0a1b3c",
    iss: "spiffe://example.org/agent/worker",
    ingestedAt: 1767225661000,
    leafHash: "594da55536d938c1d4c7005938fa0ae8b8c6e4724a4e3e2c6ea67d7f0a9d8a60",
    chainHash: "384a7a0f241a194a36327856c95c7a3b6323d0a37b61ba15e1d13d6ac3102356",
  }),
  Object.freeze({
    seq: 3,
    token:
      "eyJhbGciOiJFUzI1NiIsInR5cCI6ImV4ZWMrand0Iiwia2lkIjoia2F0LWtleS0xIn0.eyJpc3MiOiJzcGlmZmU6Ly9leGFtcGxlLm9yZy9hZ2VudC9yZXBvcnRlciIsImF1ZCI6InNwaWZmZTovL2V4YW1wbGUub3JnL2xlZGdlciIsImlhdCI6MTc2NzIyNTcyMCwiZXhwIjoxNzY3MjI2MzIwLCJqdGkiOiJlNGQ3YjJhMS05ZjM2LTRjOGUtYTA1Yi03YzNlMWQ5ZjJiNDgiLCJleGVjX2FjdCI6InJlcG9ydC5wdWJsaXNoIiwicHJlZCI6W119.bglumPLQuhwb-yiS2MuCDU2bZ9WhO5bkvvDFfCLuHPgweQnwerIgtbRpV-13RKJxA0859U-edY9CPtwBsNyklQ",
    jti: "e4d7b2a1-9f36-4c8e-a05b-7c3e1d9f2b48",
    wid: null,
    iss: "spiffe://example.org/agent/reporter",
    ingestedAt: 1767225721000,
    leafHash: "18a1e53c772d86b6b2eee3d6f3df7f747c4a14f344a0ee7cfb49fd7f7d461b2b",
    chainHash: "1f98da257ebc1e3b57a09ab3977f2c0392361b261a84ce09ada71b924ad446b7",
  }),
]);

/**
 * {@link KNOWN_ANSWER_ENTRIES} as the JSON Lines export of a ledger that appended them: importing
 * these lines into any backend must give the head `(3, KNOWN_ANSWER_ENTRIES[2].chainHash)`
 * (SPEC 7: "an export from one backend verifies with another").
 */
export const KNOWN_ANSWER_EXPORT: readonly string[] = Object.freeze(
  KNOWN_ANSWER_ENTRIES.map((record) => JSON.stringify(record)),
);
