"""The handover receipt as CSV and PDF (``fpdf2``, pure Python): references, names, sizes,
hashes, and how long after the newest date inside the material it was handed over."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fpdf import FPDF

from drachma.evidence.exhibits import Receipt

LONDON = ZoneInfo("Europe/London")


def uk_time(value: datetime | None) -> str:
    """UK date and time, in UK time (stored times are UTC)."""
    return value.astimezone(LONDON).strftime("%d/%m/%Y %H:%M") if value else ""


def gap_text(gap: timedelta | None) -> str:
    if gap is None:
        return "no dates found inside the material"
    days = gap.days
    if days < 0:
        return "the material holds dates after the handover (check the device's clock)"
    if days == 0:
        return "less than a day after the newest date inside the material"
    return f"{days} day{'s' if days != 1 else ''} after the newest date inside the material"


def heading(receipt: Receipt) -> list[tuple[str, str]]:
    handover = receipt.handover
    return [
        ("Received", uk_time(receipt.received_at)),
        ("From", handover.received_from),
        ("Place", handover.received_place),
        ("Producer", handover.producer),
        ("Reason", handover.reason),
        ("Newest date inside", uk_time(receipt.newest_inner_at) or "none found"),
        ("Handed over", gap_text(receipt.gap)),
    ]


def receipt_csv(receipt: Receipt) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for name, value in heading(receipt):
        writer.writerow([name, value])
    writer.writerow([])
    writer.writerow(["reference", "name", "size_bytes", "sha256", "media_type",
                     "modified_uk_time"])
    for line in receipt.lines:
        writer.writerow([line.reference, line.name, line.size, line.sha256, line.media_type,
                         uk_time(line.modified)])
    for name, why in receipt.not_taken:
        writer.writerow(["not taken", name, "", "", why, ""])
    return out.getvalue()


def latin(text: str) -> str:
    # The PDF core fonts are Latin-1; anything else is shown as '?' (the CSV keeps it exactly).
    return text.encode("latin-1", "replace").decode("latin-1")


def receipt_pdf(receipt: Receipt) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 9, "Receipt for material handed over", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for name, value in heading(receipt):
        pdf.cell(45, 6, latin(name))
        pdf.multi_cell(0, 6, latin(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (22, 78, 24, 130, 23)
    pdf.set_font("Helvetica", "B", 8)
    for width, title in zip(widths, ("Reference", "Name", "Bytes", "SHA-256", "Type"),
                            strict=True):
        pdf.cell(width, 6, title, border=1)
    pdf.ln()
    pdf.set_font("Courier", "", 7)
    for line in receipt.lines:
        values = (line.reference, line.name[:60], f"{line.size:,}", line.sha256,
                  line.media_type[:20])
        for width, value in zip(widths, values, strict=True):
            pdf.cell(width, 5, latin(value), border=1)
        pdf.ln()
    if receipt.not_taken:
        pdf.ln(3)
        pdf.set_font("Helvetica", "", 9)
        for name, why in receipt.not_taken:
            pdf.multi_cell(0, 5, latin(f"Not taken: {name} ({why})"), new_x="LMARGIN",
                           new_y="NEXT")
    return bytes(pdf.output())
