"""What a client checks without trusting the server: leaves, RFC 9162 proofs, signed checkpoints.

- Leaf: the bytes the ledger hashes for an event (ledger/core/LEAF_FORMAT.md): version 0x01,
  sequence (8 bytes), recorded-at (8), key id (2-byte length), body (4-byte length), signature
  (2-byte length), all big-endian. Leaf hash SHA-256(0x00 || leaf).
- Inclusion and consistency proofs: RFC 9162 sections 2.1.3.2 and 2.1.4.2.
- Checkpoints: a C2SP tlog-checkpoint body ("origin\\nsize\\nbase64 root\\n", extension lines)
  in a C2SP signed note ("text\\n\\n— name base64(key hash || signature)\\n").
"""
from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass
from typing import Sequence

from .errors import VerificationError
from .keys import VerifierKey


def encode_leaf(sequence: int, recorded_at_micros: int, key_id: str, body: bytes,
                signature: bytes) -> bytes:
    key = key_id.encode("ascii")
    return (b"\x01" + struct.pack(">Qq", sequence, recorded_at_micros)
            + struct.pack(">H", len(key)) + key + struct.pack(">I", len(body)) + body
            + struct.pack(">H", len(signature)) + signature)


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index: int, tree_size: int, leaf: bytes, path: Sequence[bytes],
                     root: bytes) -> None:
    """RFC 9162 2.1.3.2: `leaf` (its hash) is at `index` of the tree of `tree_size` with `root`."""
    if index >= tree_size:
        raise VerificationError(f"inclusion: index {index} is not below tree size {tree_size}")
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            raise VerificationError("inclusion: the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise VerificationError(f"inclusion: leaf {index} is not in the tree of size {tree_size} "
                                f"with root {root.hex()}")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       path: Sequence[bytes]) -> None:
    """RFC 9162 2.1.4.2: the tree of size `second` extends the tree of size `first`."""
    if first > second:
        raise VerificationError(f"consistency: {first} is larger than {second}")
    if first == second:
        if path or first_root != second_root:
            raise VerificationError("consistency: equal sizes need equal roots and no proof")
        return
    if first == 0:
        if path:
            raise VerificationError("consistency: from the empty tree the proof is empty")
        return
    path = list(path)
    if first & (first - 1) == 0:  # a power of two: the old root is a node of the proof
        path.insert(0, first_root)
    if not path:
        raise VerificationError("consistency: empty proof")
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency: the proof is too long")
        if fn & 1 or fn == sn:
            fr = _node(c, fr)
            sr = _node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise VerificationError(f"consistency: the tree of size {second} does not extend the "
                                f"tree of size {first}")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    note: str  # the signed note as verified


def open_checkpoint(note: str, key: VerifierKey, origin: str | None = None) -> Checkpoint:
    """Verifies a signed note with `key` and parses its checkpoint body; with `origin`, the
    checkpoint must be of that log."""
    text, sep, signatures = note.partition("\n\n")
    if not sep or not text:
        raise VerificationError("checkpoint: a signed note is text, a blank line, signatures")
    message = (text + "\n").encode()
    verified = False
    signers = []
    for line in signatures.split("\n"):
        if not line:
            continue
        if not line.startswith("\u2014 "):
            raise VerificationError(f"checkpoint: not a signature line: {line!r}")
        name, _, sig_b64 = line[2:].rpartition(" ")
        raw = base64.b64decode(sig_b64)
        signers.append(f"{name}+{raw[:4].hex()}")
        if name != key.name:
            continue  # another signer: a witness's cosignature
        if len(raw) == 68 and raw[:4] == key.key_hash and key.verify(message, raw[4:]):
            verified = True
    if not verified:
        # Each named with its key hash, as a verifier key line names it: the same name with
        # another hash is another key (a rotation, or the wrong file pinned).
        raise VerificationError(f"checkpoint: no valid signature by {key.name}+"
                                f"{key.key_hash.hex()} (signed by {', '.join(signers) or 'no one'})")
    lines = text.split("\n")
    if len(lines) < 3 or not lines[1].isdigit():
        raise VerificationError("checkpoint: the body is origin, size, root")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32:
        raise VerificationError("checkpoint: the root hash must have 32 bytes")
    if origin is not None and lines[0] != origin:
        raise VerificationError(f"checkpoint: of log {lines[0]!r}, not {origin!r}")
    return Checkpoint(origin=lines[0], tree_size=int(lines[1]), root_hash=root, note=note)
