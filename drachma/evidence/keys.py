"""The locker's two keys: the master key that wraps every blob's data key, and the Ed25519 key
that signs custody-log checkpoints.

Both are created once by ``drachma init`` (owner-only permissions, never overwritten) at the
locations from settings (:mod:`drachma.config`). A missing or unreadable key is a
:class:`KeyFileError` that names the file and says how to make one.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from drachma.config import EvidenceSettings
from drachma.errors import DrachmaError

MASTER_KEY_LABEL = "drachma-evidence-master-key-v1"
MASTER_KEY_BYTES = 32


class KeyFileError(DrachmaError):
    """A key file is missing, unreadable, malformed, or is not the key the data was made with."""

    kind = "key_file"
    http_status = 500


@dataclass(frozen=True, slots=True)
class MasterKey:
    """A 256-bit AES key. ``fingerprint`` (8 bytes of SHA-256 over a label and the key) is written
    in every blob header so that the wrong key is reported as such, not as corrupt data."""

    secret: bytes
    path: Path | None = None

    @property
    def fingerprint(self) -> bytes:
        return hashlib.sha256(b"drachma-master-key-fingerprint\x00" + self.secret).digest()[:8]

    def derive(self, purpose: bytes) -> bytes:
        """A separate key for another purpose (e.g. naming blob files), never the master itself."""
        return hashlib.sha256(b"drachma-derive\x00" + purpose + b"\x00" + self.secret).digest()


def _write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600, refusing to overwrite an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def create_master_key(path: Path) -> bool:
    """Create the master key file if there is none; True if one was made."""
    if path.exists():
        load_master_key(path)  # an existing file must at least be a valid key
        return False
    secret = secrets.token_bytes(MASTER_KEY_BYTES)
    _write_private(path, f"{MASTER_KEY_LABEL}\n{base64.b64encode(secret).decode()}\n".encode())
    return True


def load_master_key(path: Path) -> MasterKey:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise KeyFileError(
            f"no evidence master key at {path}; run 'drachma init' to create one, or set "
            "DRACHMA_EVIDENCE_MASTER_KEY to the key file's location", field="master_key"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"cannot read the evidence master key at {path}: {exc}",
                           field="master_key") from None
    lines = text.split()
    try:
        if len(lines) != 2 or lines[0] != MASTER_KEY_LABEL:
            raise ValueError
        secret = base64.b64decode(lines[1], validate=True)
        if len(secret) != MASTER_KEY_BYTES:
            raise ValueError
    except ValueError:
        raise KeyFileError(f"{path} is not a Drachma evidence master key file",
                           field="master_key") from None
    return MasterKey(secret, path)


def create_signing_key(path: Path) -> bool:
    """Create the Ed25519 checkpoint-signing key (PKCS#8 PEM) if there is none."""
    if path.exists():
        load_signing_key(path)
        return False
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    _write_private(path, pem)
    return True


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(
            f"no checkpoint signing key at {path}; run 'drachma init' to create one, or set "
            "DRACHMA_EVIDENCE_SIGNING_KEY to the key file's location", field="signing_key"
        ) from None
    except OSError as exc:
        raise KeyFileError(f"cannot read the checkpoint signing key at {path}: {exc}",
                           field="signing_key") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        raise KeyFileError(f"{path} is not a PEM private key", field="signing_key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 key", field="signing_key")
    return key


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def ensure_evidence_keys(settings: EvidenceSettings) -> list[str]:
    """Create whichever of the two key files is missing (``drachma init``); what was done."""
    done = []
    for path, create, what in ((settings.master_key, create_master_key, "evidence master key"),
                               (settings.signing_key, create_signing_key,
                                "checkpoint signing key")):
        made = create(path)
        done.append(f"{'Created' if made else 'Kept'} the {what} at {path}"
                    + (" (owner-only; back it up: without it nothing stored can be read)"
                       if made and create is create_master_key else "."))
    return done
