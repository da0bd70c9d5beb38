#!/usr/bin/env python3
"""Example 3: an auditor follows the log live and verifies each new checkpoint's consistency.

It keeps the current checkpoint (signature verified with the pinned key; consistency-proved
from any checkpoint kept before), subscribes from its size, and for every event that arrives:
recomputes the leaf hash from the event's bytes; when an event lies past the checkpoint kept,
fetches the new checkpoint, verifies its signature and its consistency with the one kept, and
keeps it; and verifies the event's inclusion in it. A checkpoint is reported once all of its
new events have arrived and checked out. Against the demo server:

    audit_follow.py --server 127.0.0.1:50551 --verifier-key demo-data/ledger/checkpoint.vkey \\
        --trust-dir demo-data/trust-py-auditor --max-seconds 60
"""
from __future__ import annotations

import argparse
import sys
import time

import booo_ledger as bl
from booo_ledger.proofs import encode_leaf, leaf_hash


def covering(client: bl.LedgerClient, verifier: bl.VerifierKey, store: bl.TrustStore,
             origin: str | None, sequence: int) -> bl.Checkpoint:
    """The newest checkpoint, verified and kept, once it covers `sequence` (an event the log
    served must be in a checkpoint soon after)."""
    give_up = time.monotonic() + 10
    while True:
        head = client.checkpoint(verifier, store, origin)
        if head.tree_size > sequence:
            return head
        if time.monotonic() > give_up:
            raise bl.VerificationError(f"the log served event {sequence}, but its checkpoint "
                                       f"stays at size {head.tree_size}")
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="ledgerd's HOST:PORT")
    parser.add_argument("--verifier-key", required=True, help="the ledger's checkpoint.vkey")
    parser.add_argument("--trust-dir", required=True, help="where the kept checkpoint lives")
    parser.add_argument("--origin", help="the log's origin line, pinned")
    parser.add_argument("--until-size", type=int, help="stop once a checkpoint this large is verified")
    parser.add_argument("--max-seconds", type=float, help="stop after this long")
    args = parser.parse_args()

    verifier = bl.load_verifier_key(args.verifier_key)
    store = bl.TrustStore(args.trust_dir)
    with bl.LedgerClient(args.server) as client:
        kept = client.checkpoint(verifier, store, args.origin)
        print(f"following from checkpoint {kept.tree_size} (verified)", flush=True)
        if args.until_size is not None and kept.tree_size >= args.until_size:
            return 0
        head, included = None, 0
        for event in client.subscribe(kept.tree_size, timeout=args.max_seconds):
            leaf = encode_leaf(event.sequence, event.recorded_at_micros, event.key_id,
                               event.body, event.signature)
            if leaf_hash(leaf) != event.leaf_hash:
                raise bl.VerificationError(f"event {event.sequence}: its leaf hash is not that "
                                           "of its bytes")
            if head is None or event.sequence >= head.tree_size:
                head = covering(client, verifier, store, args.origin, event.sequence)
            client.verify_inclusion(event, head)
            included += 1
            if event.sequence == head.tree_size - 1:  # all of the new checkpoint's events in
                print(f"checkpoint {head.tree_size} verified: consistent with {kept.tree_size}, "
                      f"{included} new events included", flush=True)
                kept, head, included = head, None, 0
                if args.until_size is not None and kept.tree_size >= args.until_size:
                    return 0
    print(f"stopped after {args.max_seconds} s at checkpoint {kept.tree_size}", flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (bl.LedgerError, bl.VerificationError) as error:
        print(f"audit_follow: {error}", file=sys.stderr)
        sys.exit(1)
