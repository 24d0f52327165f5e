"""Checkpoints timestamped by an RFC 3161 authority: a local one made here with ``openssl ts``
(never a public one), and the kept token checked with ``openssl ts -verify``."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlalchemy import update

from drachma.evidence.custody import make_checkpoint
from drachma.evidence.exhibits import Handover, add_exhibits, add_producer
from drachma.evidence.locker import locker_in
from drachma.evidence.timestamp import TimestampError, request_timestamp
from drachma.evidence.verify import verify_locker
from drachma.model.roles import Role
from drachma.store.db import Store
from drachma.store.tables import custody_checkpoints
from tests.conftest import ActorFactory

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

TSA_CONFIG = """
[ tsa ]
default_tsa = local
[ local ]
dir = {dir}
serial = {dir}/serial
crypto_device = builtin
signer_cert = {dir}/tsa.pem
signer_key = {dir}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def openssl(*args: str, cwd: Path, data: bytes | None = None) -> bytes:
    done = subprocess.run(["openssl", *args], cwd=cwd, input=data, capture_output=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.fixture
def authority(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A throw-away CA and timestamp authority answering on 127.0.0.1."""
    tsa = tmp_path / "tsa"
    tsa.mkdir()
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-subj", "/CN=Drachma test CA", "-days", "2",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=tsa)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
            "-subj", "/CN=Drachma test TSA", cwd=tsa)
    (tsa / "ext.cnf").write_text("extendedKeyUsage=critical,timeStamping\n"
                                 "keyUsage=critical,digitalSignature\n")
    openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "tsa.pem", "-days", "2", "-extfile", "ext.cnf", cwd=tsa)
    (tsa / "serial").write_text("01\n")
    (tsa / "tsa.cnf").write_text(TSA_CONFIG.format(dir=tsa))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers["Content-Length"]))
            (tsa / "q.tsq").write_bytes(query)
            openssl("ts", "-reply", "-config", "tsa.cnf", "-queryfile", "q.tsq", "-out",
                    "r.tsr", cwd=tsa)
            body = (tsa / "r.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", tsa
    finally:
        server.shutdown()
        server.server_close()


def test_each_checkpoint_gets_a_token_that_openssl_verifies(
        store: Store, make_actor: ActorFactory, tmp_path: Path,
        authority: tuple[str, Path]) -> None:
    url, tsa = authority
    locker = locker_in(tmp_path, tsa_url=url)
    actor = make_actor(Role.INVESTIGATOR)
    add_producer(store, actor, "JS", "Jo Sands")
    material = tmp_path / "a.txt"
    material.write_bytes(b"invented")
    add_exhibits(store, actor, locker, [material],
                 Handover("JS", "Northfield Watch", "handed over"))
    checkpoint = make_checkpoint(store, locker)
    assert checkpoint is not None and checkpoint.timestamp_token is not None
    (tsa / "note.txt").write_text(checkpoint.note, encoding="utf-8")
    (tsa / "kept.tsr").write_bytes(checkpoint.timestamp_token)
    out = openssl("ts", "-verify", "-data", "note.txt", "-in", "kept.tsr", "-CAfile", "ca.pem",
                  "-untrusted", "tsa.pem", cwd=tsa)
    assert b"Verification: OK" in out
    assert verify_locker(store, locker).ok

    other = request_timestamp(url, b"some other note")  # a genuine token, for other data
    with store.begin() as conn:
        conn.execute(update(custody_checkpoints).values(timestamp_token=other))
    [problem] = [str(p) for p in verify_locker(store, locker).problems]
    assert problem.endswith("its RFC 3161 timestamp token is not for this note")


def test_an_authority_that_does_not_answer_is_a_clear_error() -> None:
    with pytest.raises(TimestampError, match="did not answer"):
        request_timestamp("http://127.0.0.1:9/", b"note")
