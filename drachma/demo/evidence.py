"""Invented demo exhibits: harmless generated text and images, handed over by an invented group,
with a little custody history and one disclosure item. Nothing here is real material."""

from __future__ import annotations

import struct
import tempfile
import zipfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from drachma.access.actor import Actor, system_actor
from drachma.config import load_settings
from drachma.demo.generate import demo_groups
from drachma.evidence import disclosure
from drachma.evidence.exhibits import Handover, add_exhibits, add_producer, record_custody
from drachma.evidence.keys import ensure_evidence_keys
from drachma.evidence.locker import open_locker
from drachma.model.evidence import CustodyAction
from drachma.model.roles import Role
from drachma.model.user import User
from drachma.store import evidence as evidence_store
from drachma.store.db import Store

PRODUCER = ("AD", "Demo Officer Alex Dunmore")


def png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    """A plain one-colour PNG (a stand-in for a screenshot)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + bytes(colour) * width
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def _chat(group: str, day: datetime) -> str:
    stamp = day.strftime("%d/%m/%Y")
    return "\n".join([
        f"[{stamp} 19:02] {group} admin: invented demo chat log, no real people.",
        f"[{stamp} 19:05] Member 1: placeholder message for the demo.",
        f"[{stamp} 19:09] Member 2: another placeholder message.",
        "",
    ])


def load_demo_exhibits(store: Store, seed: int = 0) -> int:
    """Take a few invented exhibits in; how many. Skipped (0) if exhibits exist already."""
    settings = load_settings().evidence_settings()
    ensure_evidence_keys(settings)
    locker = open_locker(settings)
    actor = system_actor("demo")
    with store.begin() as conn:
        if evidence_store.count_exhibits(conn):
            return 0
        known = evidence_store.get_producer(conn, PRODUCER[0])
    if known is None:
        add_producer(store, actor, *PRODUCER)
    group = demo_groups()[seed % len(demo_groups())].name
    handed = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    with tempfile.TemporaryDirectory(prefix="drachma-demo-") as folder:
        base = Path(folder)
        export = base / "phone-export.zip"
        with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
            for n in range(1, 4):
                day = handed - timedelta(days=40 + n)
                info = zipfile.ZipInfo(f"chats/chat-{n}.txt", day.timetuple()[:6])
                archive.writestr(info, _chat(group, day))
            archive.writestr(zipfile.ZipInfo("screens/screen-1.png",
                                             (handed - timedelta(days=41)).timetuple()[:6]),
                             png(64, 48, (40, 90, 160)))
        statement = base / "handover-note.txt"
        statement.write_text(f"Invented handover note from {group} for the Drachma demo.\n")
        receipt = add_exhibits(store, actor, locker, [export, statement], Handover(
            PRODUCER[0], group, "material handed over at the front counter (demo)",
            "Demo police station", handed))
    record_custody(store, actor, "AD/1", CustodyAction.TRANSFERRED,
                   "to the digital forensics unit for examination (demo)")
    record_custody(store, actor, "AD/1", CustodyAction.RETURNED,
                   "examination finished; back to the property store (demo)")
    with store.begin() as conn:
        investigation = evidence_store.first_investigation_id(conn)
    if investigation is not None:
        officer = Actor(User("demo-disclosure", "Demo disclosure officer",
                             Role.DISCLOSURE_OFFICER), "demo")
        disclosure.add_item(store, officer, investigation, "MG6C",
                            "Handover note from the group (demo)", exhibit="AD/2")
    return len(receipt.lines)
