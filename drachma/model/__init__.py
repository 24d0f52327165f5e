"""The domain model: plain typed classes, no I/O."""

from drachma.model.entities import (
    Group,
    GroupStatus,
    Person,
    Place,
    PlaceKind,
    Platform,
    PoliceForce,
)
from drachma.model.grading import (
    Grading,
    HandlingCode,
    IntelligenceAssessment,
    LegacyGrading,
    SourceEvaluation,
    parse_grading,
    parse_legacy_grading,
)
from drachma.model.incident import Incident, Investigation, InvestigationStatus
from drachma.model.report import Report, Source, SourceKind
from drachma.model.roles import Role, parse_role
from drachma.model.user import AuditAction, AuditEvent, User

__all__ = [
    "AuditAction",
    "AuditEvent",
    "Grading",
    "Group",
    "GroupStatus",
    "HandlingCode",
    "Incident",
    "IntelligenceAssessment",
    "Investigation",
    "InvestigationStatus",
    "LegacyGrading",
    "Person",
    "Place",
    "PlaceKind",
    "Platform",
    "PoliceForce",
    "Report",
    "Role",
    "Source",
    "SourceEvaluation",
    "SourceKind",
    "User",
    "parse_grading",
    "parse_legacy_grading",
    "parse_role",
]
