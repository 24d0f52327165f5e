"""RFC 3161 timestamps for checkpoints, from the authority named by ``DRACHMA_EVIDENCE_TSA_URL``.

``rfc3161-client`` builds the request and parses the answer (it makes no network calls itself);
the request goes out here with a time limit and a size limit on the answer. The whole response
(DER) is kept with the checkpoint, so an examiner can check it with ``openssl ts -verify``.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request

from rfc3161_client import TimestampRequestBuilder, decode_timestamp_response

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
    authority's signature is checked with its certificate, e.g. by ``openssl ts -verify``."""
    try:
        imprint = decode_timestamp_response(token).tst_info.message_imprint
    except ValueError:
        return False
    name = IMPRINT_HASHES.get(imprint.hash_algorithm.dotted_string)
    return name is not None and hashlib.new(name, data).digest() == imprint.message
