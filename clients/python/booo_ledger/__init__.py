"""booo-ledger's Python client: signed events, checked receipts, verified checkpoints."""
from .client import LedgerClient, TrustStore
from .errors import (Aborted, AlreadyExists, DataLoss, FailedPrecondition, InvalidArgument,
                     LedgerError, NotFound, OutOfRange, PermissionDenied, ResourceExhausted,
                     RollbackError, Unauthenticated, Unavailable, VerificationError)
from .keys import (SigningKey, VerifierKey, key_id_for, load_public_key, load_signing_key,
                   load_verifier_key, parse_verifier_key)
from .proofs import Checkpoint, open_checkpoint, verify_consistency, verify_inclusion

__all__ = [name for name in dir() if not name.startswith("_")]
