"""The permission matrix: what each role may do. The one place access rules live.

Handling code C reports are further limited to the roles their conditions allow; supervisors see
every report (oversight), and nobody else does unless a condition names their role.
"""

from __future__ import annotations

import enum

from drachma.model.roles import Role


class Permission(str, enum.Enum):
    READ_REPORTS = "read_reports"
    CREATE_REPORTS = "create_reports"
    READ_ALL_RESTRICTED = "read_all_restricted"  # every handling-code-C report, whatever the role
    READ_SOURCE_IDENTITY = "read_source_identity"
    READ_PERSONS = "read_persons"
    INGEST = "ingest"
    REVIEW_MENTIONS = "review_mentions"
    MANAGE_INCIDENTS = "manage_incidents"
    MANAGE_EVIDENCE = "manage_evidence"
    EDIT_DISCLOSURE = "edit_disclosure"  # CPIA schedules: the disclosure officer alone
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    UNLOCK_LOG_IN = "unlock_log_in"  # end a log-in lock-out early (security)
    MANAGE_RECORDS = "manage_records"  # --- records (issue 13): MoPI review queue, disposal
    MAKE_BACKUPS = "make_backups"  # --- records: a backup into the configured folder
    LINK_RECORDS = "link_records"  # --- linkage (issue 11): train, review queue, merge and undo


P = Permission

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.ANALYST: frozenset(
        {P.READ_REPORTS, P.CREATE_REPORTS, P.READ_PERSONS, P.INGEST, P.REVIEW_MENTIONS,
         P.LINK_RECORDS}
    ),
    Role.OFFICER: frozenset({P.READ_REPORTS, P.CREATE_REPORTS, P.READ_PERSONS, P.MANAGE_INCIDENTS}),
    Role.INVESTIGATOR: frozenset(
        {P.READ_REPORTS, P.CREATE_REPORTS, P.READ_PERSONS, P.MANAGE_EVIDENCE, P.MANAGE_INCIDENTS,
         P.LINK_RECORDS}
    ),
    Role.DISCLOSURE_OFFICER: frozenset(
        {P.READ_REPORTS, P.READ_PERSONS, P.MANAGE_EVIDENCE, P.EDIT_DISCLOSURE}
    ),
    Role.SUPERVISOR: frozenset(
        {
            P.READ_REPORTS,
            P.CREATE_REPORTS,
            P.READ_ALL_RESTRICTED,
            P.READ_SOURCE_IDENTITY,
            P.READ_PERSONS,
            P.INGEST,
            P.REVIEW_MENTIONS,
            P.MANAGE_INCIDENTS,
            P.MANAGE_EVIDENCE,
            P.VIEW_AUDIT,
            P.UNLOCK_LOG_IN,
            P.LINK_RECORDS,
        }
    ),
    # Administrators run the system; they do not read intelligence or personal data.
    Role.ADMIN: frozenset({P.MANAGE_USERS, P.VIEW_AUDIT, P.UNLOCK_LOG_IN, P.MAKE_BACKUPS}),
    # --- records (issue 13): reviews records when due and decides; reads no intelligence
    Role.RECORDS_OFFICER: frozenset({P.MANAGE_RECORDS, P.MAKE_BACKUPS}),
}


# Roles a handling condition (code C) can name: supervisors see every report already, and
# administrators never read intelligence.
CONDITION_ROLES: tuple[Role, ...] = (
    Role.ANALYST, Role.OFFICER, Role.INVESTIGATOR, Role.DISCLOSURE_OFFICER,
)


def allowed(role: Role, permission: Permission) -> bool:
    return permission in MATRIX[role]


def can_read_restricted(role: Role, visible_to: frozenset[Role]) -> bool:
    """Whether ``role`` may read a handling-code-C report limited to ``visible_to``."""
    if not allowed(role, P.READ_REPORTS):
        return False
    return allowed(role, P.READ_ALL_RESTRICTED) or role in visible_to
