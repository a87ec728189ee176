"""Bare PyJWT verification, the crypto core of the Python reference implementation's verifier.

Run by bench/suites/peer.mjs: reads {"publicKeyPem", "tokens", "audience", "warmup", "rounds"} from
the JSON file named on the command line, loads the key once, then times `jwt.decode` (ES256
signature, exp, iat and aud checks; none of the ECT claim rules, no replay cache) over every token,
per call with time.perf_counter_ns, and prints one JSON object on stdout (the wall time of the
timed loops and every call's latency, so both languages get the same percentile code).
"""

import json
import platform
import sys
import time

import cryptography
import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    key = load_pem_public_key(job["publicKeyPem"].encode())
    tokens = job["tokens"]
    audience = job["audience"]
    decode = jwt.decode

    for token in tokens[: job["warmup"]]:
        decode(token, key, algorithms=["ES256"], audience=audience)

    latencies = []
    elapsed = 0
    clock = time.perf_counter_ns
    for _ in range(job["rounds"]):
        start = clock()
        for token in tokens:
            t0 = clock()
            claims = decode(token, key, algorithms=["ES256"], audience=audience)
            latencies.append(clock() - t0)
            if not claims["jti"]:
                raise SystemExit("decoded token without jti")
        elapsed += clock() - start

    print(
        json.dumps(
            {
                "elapsedNs": elapsed,
                "latenciesNs": latencies,
                "python": platform.python_version(),
                "pyjwt": jwt.__version__,
                "cryptography": cryptography.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
