#!/usr/bin/env python3
"""Example 1: a municipality submits a month of place declarations as one batch, keeps the
receipts, and verifies their inclusion against a checkpoint it kept.

One goo_places_declared per day of the month, with event ids of its own
(<MUNICIPALITY>-<LOCATION>-goo-<YYYY-MM-DD>): a rerun signs the same bytes, and the ledger
answers with the original receipts. Against the demo server (tools/demo.sh, then ledgerd as it
prints at its end):

    month_batch.py --server 127.0.0.1:50551 --key demo-data/keys/gm0363.key \\
        --verifier-key demo-data/ledger/checkpoint.vkey --trust-dir demo-data/trust-py \\
        --municipality GM0363 --location AMS-LOC-001 --month 2023-03 --places 120
"""
from __future__ import annotations

import argparse
import calendar
import datetime
import json
import sys

import booo_ledger as bl
from booo_ledger import events as ev


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="ledgerd's HOST:PORT")
    parser.add_argument("--key", required=True, help="the municipality's PREFIX.key")
    parser.add_argument("--verifier-key", required=True, help="the ledger's checkpoint.vkey")
    parser.add_argument("--trust-dir", required=True, help="where the kept checkpoint lives")
    parser.add_argument("--municipality", required=True, help="GM####")
    parser.add_argument("--location", required=True)
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--places", required=True, type=int, help="realised places each day")
    parser.add_argument("--accommodation-type", default="ACCOMMODATION_TYPE_HOTEL")
    parser.add_argument("--received-date", help="YYYY-MM-DD (default: the next month's first day)")
    parser.add_argument("--receipts", help="write the receipts here, as JSON")
    args = parser.parse_args()

    year, month = (int(part) for part in args.month.split("-"))
    days = calendar.monthrange(year, month)[1]
    received = args.received_date or (datetime.date(year, month, days)
                                      + datetime.timedelta(days=1)).isoformat()
    key = bl.load_signing_key(args.key)
    verifier = bl.load_verifier_key(args.verifier_key)
    store = bl.TrustStore(args.trust_dir)

    with bl.LedgerClient(args.server) as client:
        kept = client.checkpoint(verifier, store)  # verified; consistent with any kept before
        events = []
        for day in range(1, days + 1):
            date = datetime.date(year, month, day).isoformat()
            events.append(ev.goo_places_declared(
                args.municipality, args.location, args.accommodation_type, (date, date),
                args.places, received, event_id=f"{args.municipality}-{args.location}-goo-{date}"))
        results = client.append_batch(events, key)  # one group commit; receipts checked
        head = client.checkpoint(verifier, store)   # consistency-proved from `kept`, then kept
        for result in results:
            client.verify_inclusion(result.receipt, head)

    receipts = [{"event_id": r.receipt.event_id, "sequence": r.receipt.sequence,
                 "recorded_at_micros": r.receipt.recorded_at_micros,
                 "leaf_hash": r.receipt.leaf_hash.hex(), "duplicate": r.duplicate}
                for r in results]
    if args.receipts:
        with open(args.receipts, "w") as out:
            json.dump({"checkpoint": head.note, "kept_before": kept.tree_size,
                       "receipts": receipts}, out, indent=1)
    sequences = [r["sequence"] for r in receipts]
    print(f"appended {len(receipts)} events ({sum(r['duplicate'] for r in receipts)} duplicates), "
          f"sequences {min(sequences)}..{max(sequences)}, all included in checkpoint of size "
          f"{head.tree_size}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (bl.LedgerError, bl.VerificationError) as error:
        print(f"month_batch: {error}", file=sys.stderr)
        sys.exit(1)
