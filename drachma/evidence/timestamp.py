"""RFC 3161 timestamps for checkpoints, from the authority named by ``DRACHMA_EVIDENCE_TSA_URL``.

``rfc3161-client`` builds the request and parses the answer (it makes no network calls itself);
the request goes out here with a time limit and a size limit on the answer. The whole response
(DER) is kept with the checkpoint, so an examiner can check it with ``openssl ts -verify``.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from rfc3161_client import (
    TimestampRequestBuilder,
    VerificationError,
    Verifier,
    VerifierBuilder,
    decode_timestamp_response,
)

from drachma.errors import DrachmaError

TIMEOUT_SECONDS = 15
MAX_RESPONSE = 64 * 1024


class TimestampError(DrachmaError):
    kind = "timestamp_failed"
    http_status = 502


def request_timestamp(url: str, data: bytes) -> bytes:
    """Ask the authority to timestamp ``data`` (SHA-512 imprint, with a nonce); the DER response."""
    request = TimestampRequestBuilder().data(data).nonce(nonce=True).build()
    http = urllib.request.Request(url, data=request.as_bytes(), method="POST",
                                  headers={"Content-Type": "application/timestamp-query"})
    try:
        with urllib.request.urlopen(http, timeout=TIMEOUT_SECONDS) as answer:
            body: bytes = answer.read(MAX_RESPONSE + 1)
    except (urllib.error.URLError, OSError) as exc:
        raise TimestampError(f"the timestamp authority {url} did not answer: {exc}",
                             field="tsa_url") from None
    if len(body) > MAX_RESPONSE:
        raise TimestampError(f"the timestamp authority {url} sent an oversized answer",
                             field="tsa_url")
    return check_response(body, url)


def check_response(body: bytes, url: str = "the authority") -> bytes:
    try:
        response = decode_timestamp_response(body)
    except ValueError as exc:
        raise TimestampError(f"{url} sent an answer that is not an RFC 3161 response: {exc}",
                             field="tsa_url") from None
    if response.status not in (0, 1):  # granted, granted with modifications
        raise TimestampError(f"{url} refused the timestamp (status {response.status})",
                             field="tsa_url")
    return body


IMPRINT_HASHES = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}


def token_matches(token: bytes, data: bytes) -> bool:
    """Whether a kept RFC 3161 response timestamps exactly ``data`` (its message imprint). The
    authority's signature is checked by :func:`signature_problem` when its certificate is
    configured (and by ``openssl ts -verify``)."""
    try:
        imprint = decode_timestamp_response(token).tst_info.message_imprint
    except ValueError:
        return False
    name = IMPRINT_HASHES.get(imprint.hash_algorithm.dotted_string)
    return name is not None and hashlib.new(name, data).digest() == imprint.message


def _stamps(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.TIME_STAMPING in usage


def load_authority(path: Path) -> Verifier:
    """A verifier for the authority's tokens from a PEM file: its timestamping certificate and
    the CA certificates above it (self-signed ones are the roots trusted). With no CA in the
    file, the timestamping certificate itself is trusted. A missing or unreadable file is a
    clear error."""
    try:
        certificates = x509.load_pem_x509_certificates(path.read_bytes())
    except FileNotFoundError:
        raise TimestampError(f"no timestamp authority certificate at {path} "
                             "(DRACHMA_EVIDENCE_TSA_CERT)", field="tsa_certificate") from None
    except (OSError, ValueError) as exc:
        raise TimestampError(f"cannot read the timestamp authority certificate at {path}: "
                             f"{exc}", field="tsa_certificate") from None
    stamping = [c for c in certificates if _stamps(c)]
    if not stamping:
        raise TimestampError(f"{path} holds no certificate for timestamping (extended key usage "
                             "timeStamping)", field="tsa_certificate")
    roots = [c for c in certificates if c.issuer == c.subject] or stamping[:1]
    builder = VerifierBuilder().tsa_certificate(stamping[0])
    for certificate in certificates:
        if certificate in roots:
            builder = builder.add_root_certificate(certificate)
        elif certificate is not stamping[0]:
            builder = builder.add_intermediate_certificate(certificate)
    return builder.build()


def signature_problem(token: bytes, data: bytes, authority: Verifier) -> str | None:
    """Why a kept token does not verify (signature, certificate chain, imprint), or ``None``."""
    try:
        response = decode_timestamp_response(token)
    except ValueError as exc:
        return f"its RFC 3161 timestamp token cannot be read: {exc}"
    try:
        authority.verify_message(response, data)
    except VerificationError as exc:
        return ("its RFC 3161 timestamp token does not verify against the authority's "
                f"certificate: {exc}")
    return None
