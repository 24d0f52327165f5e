"""Checkpoints of the custody log as C2SP ``tlog-checkpoint`` signed notes (Ed25519).

A checkpoint body is three lines, origin, tree size in decimal, and root hash in standard
base64, then optional extension lines (Drachma adds one: ``time <RFC 3339 UTC>``). The signed
note (C2SP ``signed-note``) is the body, a blank line, and one line per signature::

    — <key name> <base64(key id (4 bytes) || Ed25519 signature (64 bytes))>

where the key id is the first 4 bytes of SHA-256(key name || "\\n" || 0x01 || public key) and the
signature covers the body exactly. The verifier key is written ``<name>+<key id hex>+<base64(0x01
|| public key)>``, the form Go's ``golang.org/x/mod/sumdb/note`` and other tlog tools read.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from drachma.evidence.keys import public_key_bytes

ED25519 = b"\x01"
DASH = "\u2014 "


class CheckpointError(Exception):
    """A note that does not parse or whose signature does not verify (says which and how)."""


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def verifier_key(name: str, key: Ed25519PublicKey) -> str:
    public = public_key_bytes(key)
    return f"{name}+{key_id(name, public).hex()}+{base64.b64encode(ED25519 + public).decode()}"


def parse_verifier_key(text: str) -> tuple[str, bytes, Ed25519PublicKey]:
    try:
        name, hex_id, encoded = text.strip().split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
        if raw[:1] != ED25519 or len(raw) != 33:
            raise ValueError
        public = raw[1:]
        if key_id(name, public).hex() != hex_id:
            raise ValueError
    except ValueError:
        raise CheckpointError("the verifier key is not an Ed25519 signed-note key") from None
    return name, bytes.fromhex(hex_id), Ed25519PublicKey.from_public_bytes(public)


@dataclass(frozen=True, slots=True)
class CheckpointBody:
    origin: str
    tree_size: int
    root_hash: bytes
    time: datetime | None = None

    def text(self) -> str:
        lines = [self.origin, str(self.tree_size), base64.b64encode(self.root_hash).decode()]
        if self.time is not None:
            lines.append("time " + self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        return "\n".join(lines) + "\n"


def sign(body: CheckpointBody, key: Ed25519PrivateKey, name: str | None = None) -> str:
    name = name or body.origin
    text = body.text()
    public = public_key_bytes(key.public_key())
    signature = key_id(name, public) + key.sign(text.encode())
    return f"{text}\n{DASH}{name} {base64.b64encode(signature).decode()}\n"


def open_note(note: str, verifier: str) -> CheckpointBody:
    """Check the note's signature by ``verifier`` and parse its body; CheckpointError if not."""
    name, kid, public = parse_verifier_key(verifier)
    text, sep, signatures = note.partition("\n\n")
    if not sep:
        raise CheckpointError("the note has no blank line before its signatures")
    text += "\n"
    verified = False
    for line in signatures.splitlines():
        if not line.startswith(DASH):
            raise CheckpointError("a signature line does not start with an em dash")
        signer, _, encoded = line[len(DASH):].rpartition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise CheckpointError("a signature is not valid base64") from None
        if signer != name or raw[:4] != kid:
            continue
        try:
            public.verify(raw[4:], text.encode())
        except InvalidSignature:
            raise CheckpointError(f"the signature by {name} does not verify (the note was "
                                  "changed or forged)") from None
        verified = True
    if not verified:
        raise CheckpointError(f"the note carries no signature by {name}")
    return parse_body(text)


def parse_body(text: str) -> CheckpointBody:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise CheckpointError("the checkpoint body needs origin, size and root lines")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
        raise CheckpointError(f"the tree size {size_text!r} is not a decimal number")
    try:
        root_hash = base64.b64decode(root_text, validate=True)
    except ValueError:
        raise CheckpointError("the root hash is not valid base64") from None
    if len(root_hash) != 32:
        raise CheckpointError("the root hash is not 32 bytes")
    time = None
    for extra in lines[3:-1]:
        if extra.startswith("time "):
            time = datetime.strptime(extra[5:], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return CheckpointBody(origin, int(size_text), root_hash, time)
