"""The evidence locker's equipment from settings: blob store, signing key, limits."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from drachma.config import EvidenceSettings, load_evidence_settings
from drachma.evidence.blobs import BlobStore, FilesystemBlobStore
from drachma.evidence.checkpoint import verifier_key
from drachma.evidence.keys import load_master_key, load_signing_key


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 5 * 1024**3  # one item
    max_archive_bytes: int = 20 * 1024**3  # everything unpacked from one archive
    max_archive_files: int = 10_000
    max_ratio: int = 200  # uncompressed / compressed size of one archive member (over 1 MiB)
    max_path_depth: int = 32  # folders inside an archive or handed-over folder


@dataclass(frozen=True, slots=True)
class Locker:
    blobs: BlobStore
    signing_key: Ed25519PrivateKey
    origin: str
    limits: Limits
    tsa_url: str | None = None

    @property
    def verifier_key(self) -> str:
        """The public key in signed-note form, for examiners and the disclosure pack."""
        return verifier_key(self.origin, self.signing_key.public_key())


def open_locker(settings: EvidenceSettings) -> Locker:
    """Load both keys (a clear KeyFileError if either is missing) and open the blob store."""
    master = load_master_key(settings.master_key)
    signing = load_signing_key(settings.signing_key)
    limits = Limits(settings.max_bytes, settings.max_archive_bytes, settings.max_archive_files,
                    settings.max_ratio)
    return Locker(FilesystemBlobStore(settings.directory, master), signing, settings.log_origin,
                  limits, settings.tsa_url)


def locker_in(home: Path, *, limits: Limits | None = None, tsa_url: str | None = None) -> Locker:
    """A locker with its keys and blob store under ``home`` (made if missing): for the demo data,
    the benchmark and tests."""
    from drachma.evidence.keys import ensure_evidence_keys

    settings = replace(load_evidence_settings(home), directory=home / "evidence",
                       master_key=home / "keys" / "evidence-master.key",
                       signing_key=home / "keys" / "checkpoint.pem", tsa_url=tsa_url)
    ensure_evidence_keys(settings)
    return replace(open_locker(settings), limits=limits or Limits())
