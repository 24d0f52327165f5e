"""Roles of the people who use Drachma."""

from __future__ import annotations

import enum


class Role(str, enum.Enum):
    ANALYST = "analyst"
    OFFICER = "officer"
    INVESTIGATOR = "investigator"
    DISCLOSURE_OFFICER = "disclosure_officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    RECORDS_OFFICER = "records_officer"  # --- records (issue 13): MoPI review and disposal

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


def parse_role(text: str) -> Role:
    from drachma.errors import ValidationError

    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return Role(key)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ValidationError(f"unknown role {text!r}; roles are: {names}", field="role") from None
