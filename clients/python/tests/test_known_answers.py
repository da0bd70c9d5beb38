"""Known answers shared with the C++ and Node libraries (clients/known-answers/cases.json): each
case's event, built by its helper from the case's arguments and signed with the case's key,
gives exactly the expected body bytes, signature and leaf hash. With BOOO_KNOWN_ANSWERS_OUT set,
the answers are also written to python.json there, for `ledgerctl known-answers --compare`."""
from __future__ import annotations

import json
import os
from pathlib import Path

import booo_ledger as bl
from booo_ledger import events as ev
from booo_ledger.proofs import encode_leaf, leaf_hash

CASES = (Path(__file__).resolve().parents[2] / "known-answers" / "cases.json")


def build(case: dict, key: bl.SigningKey) -> dict:
    args = dict(case["args"])
    for name, value in args.items():  # int64 amounts travel as decimal strings in JSON
        if name.endswith("_cents"):
            args[name] = int(value)
    body = getattr(ev, case["helper"])(**args)
    body.client_time_micros = int(case["client_time_micros"])
    if "expected_stream_version" in case:
        body.expected_stream_version = int(case["expected_stream_version"])
    signed = ev.sign(body, key)
    leaf = encode_leaf(int(case["leaf"]["sequence"]), int(case["leaf"]["recorded_at_micros"]),
                       key.key_id, signed.body, signed.signature)
    return {"name": case["name"], "body_hex": signed.body.hex(),
            "signature_hex": signed.signature.hex(), "leaf_hash_hex": leaf_hash(leaf).hex()}


def test_known_answers():
    document = json.loads(CASES.read_text())
    key = bl.load_signing_key(CASES.parent / document["signing_key"])
    answers = [build(case, key) for case in document["cases"]]
    out = os.environ.get("BOOO_KNOWN_ANSWERS_OUT")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "python.json").write_text(json.dumps({"library": "python",
                                                           "cases": answers}, indent=1))
    for case, answer in zip(document["cases"], answers):
        for field in ("body_hex", "signature_hex", "leaf_hash_hex"):
            assert answer[field] == case["expected"][field], f"{case['name']}: {field}"
