"""Keys in the formats `ledgerctl keygen` writes.

- PREFIX.key: the Ed25519 private key, PKCS#8 PEM.
- PREFIX.pub: the line "booo-ed25519-public-key", then the 32 raw bytes of the public key in
  base64.
- A checkpoint verifier key (DATA_DIR/checkpoint.vkey, written by `ledgerctl init`): a C2SP
  signed-note verifier key, "name+hash+base64(0x01 || public key)".

A key's id, as the ledger names it, is "ed25519:" and the first 16 hex digits of the SHA-256 of
its raw public key.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PUBLIC_KEY_HEADER = "booo-ed25519-public-key"


def key_id_for(public_key: bytes) -> str:
    """The ledger's id of a raw 32-byte Ed25519 public key."""
    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:16]


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key and the id the ledger knows it by."""

    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return key_id_for(self.public_key)

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


def load_signing_key(path: Union[str, Path]) -> SigningKey:
    """A PREFIX.key file of `ledgerctl keygen` (PKCS#8 PEM)."""
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return SigningKey(key)


def load_public_key(path: Union[str, Path]) -> bytes:
    """A PREFIX.pub file of `ledgerctl keygen`: the raw 32 bytes."""
    lines = Path(path).read_text().split()
    if len(lines) != 2 or lines[0] != PUBLIC_KEY_HEADER:
        raise ValueError(f"{path}: not a {PUBLIC_KEY_HEADER} file")
    raw = base64.b64decode(lines[1], validate=True)
    if len(raw) != 32:
        raise ValueError(f"{path}: the public key must have 32 bytes")
    return raw


@dataclass(frozen=True)
class VerifierKey:
    """A C2SP signed-note verifier key for Ed25519 (algorithm byte 0x01)."""

    name: str
    key_hash: bytes  # 4 bytes: SHA-256(name || "\n" || 0x01 || public key)[:4]
    public_key: bytes

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
            return True
        except Exception:  # cryptography raises InvalidSignature; any failure is "no"
            return False


def parse_verifier_key(text: str) -> VerifierKey:
    """"name+hash+base64(0x01 || key)", as in DATA_DIR/checkpoint.vkey."""
    parts = text.strip().split("+", 2)  # the base64 key may hold "+" itself
    if len(parts) != 3 or not parts[0]:
        raise ValueError("a verifier key is name+hash+key")
    name, hash_hex, key_b64 = parts
    key = base64.b64decode(key_b64, validate=True)
    if len(key) != 33 or key[0] != 0x01:
        raise ValueError("a verifier key holds 0x01 and a 32-byte Ed25519 public key")
    expected = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    if len(hash_hex) != 8 or bytes.fromhex(hash_hex) != expected:
        raise ValueError("the verifier key's hash does not match its name and key")
    return VerifierKey(name=name, key_hash=expected, public_key=key[1:])


def load_verifier_key(path: Union[str, Path]) -> VerifierKey:
    return parse_verifier_key(Path(path).read_text())
