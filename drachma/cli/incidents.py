"""``drachma incidents ...``: live incidents, their people, timeline, THRIVE, tasks, deconfliction
and takedown requests. A thin layer over :mod:`drachma.incidents` and :mod:`drachma.safeguarding`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from drachma.cli.common import cli_actor, console, friendly, open_store
from drachma.incidents import records
from drachma.incidents.checks import parse_datetime, uk_time
from drachma.incidents.export import event_json, incident_json, subject_json
from drachma.model.dates import parse_date
from drachma.model.incident import IncidentSubject

incidents_app = typer.Typer(
    help="Live incidents: record, people, timeline, safeguarding, deconfliction, takedowns.",
    no_args_is_help=True,
)

JSON_HELP = "Print JSON instead of a table."


def _print_json(value: Any) -> None:
    console.print_json(json.dumps(value, default=str))


def _when(value: str | None, field: str) -> Any:
    return parse_datetime(value, field) if value else None


def _show_detail(detail: Any) -> None:
    data = incident_json(detail)
    machine = set(data["read_by_machine"])
    table = Table(title=f"Incident {data['id']}", show_header=False)
    for key in ("occurred_uk", "place", "address", "district", "force", "groups",
                "decoy_age_claimed", "platform", "stream_urls", "viewers", "police_called_at",
                "police_arrived_at", "outcome", "status", "risk_level", "report_ids"):
        value = data[key]
        if key in ("police_called_at", "police_arrived_at"):
            value = uk_time(getattr(detail, key))
        if key == "force":
            value = records.force_name(value)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        field = "occurred_at" if key == "occurred_uk" else key
        mark = " (read by machine)" if field in machine else ""
        table.add_row(key.replace("_uk", "").replace("_", " "), f"{value or ''}{mark}")
    console.print(table)


@incidents_app.command("new")
@friendly
def new(
    place: str = typer.Option(..., "--place", "-p", help="Where: a town, city area or district."),
    group: list[str] = typer.Option(..., "--group", "-g", help="Group involved (repeatable)."),
    stream_url: list[str] = typer.Option([], "--stream-url", "-u",
                                         help="Address of the live stream (repeatable)."),
    when: str = typer.Option(None, "--when", help="When it started (UK time), default now."),
    address: str = typer.Option(None, "--address", help="Street address or venue."),
    force: str = typer.Option(None, "--force", help="Police force (needed for a new place)."),
    platform: str = typer.Option(None, "--platform", help="Platform streaming it."),
    decoy_age: int = typer.Option(None, "--decoy-age", help="Age of the decoy the group claimed."),
    viewers: int = typer.Option(None, "--viewers", help="Live viewer count, if known."),
    new_place: bool = typer.Option(False, "--new-place",
                                   help="Record the place as new if it is not known."),
    new_group: bool = typer.Option(False, "--new-group",
                                   help="Record the group as new if it is not known."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Open a live incident: only the place, the group and the stream are needed."""
    store = open_store()
    detail = records.new_incident(store, cli_actor(), records.IncidentDraft(
        place=place, groups=group, stream_urls=stream_url, occurred_at=_when(when, "when"),
        address=address, force=force, platform=platform, decoy_age_claimed=decoy_age,
        viewers=viewers, new_place=new_place, new_groups=new_group))
    if as_json:
        _print_json(incident_json(detail))
    else:
        console.print(f"Incident {detail.id} opened: {detail.incident.place}, "
                      f"{records.force_name(detail.incident.force)}.", highlight=False)


@incidents_app.command("from-report")
@friendly
def from_report(
    report_id: int = typer.Argument(..., help="The report to open the incident from."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Open an incident pre-filled from a report's mentions (unconfirmed values marked)."""
    detail = records.open_from_report(open_store(), cli_actor(), report_id)
    if as_json:
        _print_json(incident_json(detail))
    else:
        _show_detail(detail)


@incidents_app.command("list")
@friendly
def list_(
    since: str = typer.Option(None, "--since", help="From this date (23/11/2026)."),
    until: str = typer.Option(None, "--until", help="Up to and including this date."),
    area: str = typer.Option(None, "--area", help="District or place."),
    force: str = typer.Option(None, "--force", help="Police force."),
    group: str = typer.Option(None, "--group", help="Group."),
    status: str = typer.Option(None, "--status", help="open or closed."),
    risk: str = typer.Option(None, "--risk", help="standard, medium or high."),
    limit: int = typer.Option(50, "--limit", min=1, max=200, help="Rows per page."),
    offset: int = typer.Option(0, "--offset", min=0, help="Rows to skip."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """List incidents, newest first, filtered."""
    filters = records.parse_filters(since, until, area, force, group, status, risk)
    found, total = records.list_incidents(open_store(), cli_actor(), filters, limit=limit,
                                          offset=offset)
    if as_json:
        _print_json({"total": total, "incidents": [incident_json(d) for d in found]})
        return
    table = Table(title=f"{total:,} incidents")
    for heading in ("id", "when", "place", "force", "groups", "status", "risk"):
        table.add_column(heading)
    for d in found:
        table.add_row(str(d.id), uk_time(d.incident.occurred_at), d.incident.place or "",
                      records.force_name(d.incident.force), ", ".join(d.incident.groups),
                      d.status.value, d.risk_level or "")
    console.print(table)


@incidents_app.command("show")
@friendly
def show(
    incident_id: int = typer.Argument(..., help="Incident number."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show an incident, its people (an audited read) and its timeline."""
    view = records.get_incident(open_store(), cli_actor(), incident_id)
    if as_json:
        _print_json({"incident": incident_json(view.detail),
                     "people": [subject_json(s) for s in view.subjects],
                     "timeline": [event_json(e) for e in view.timeline]})
        return
    _show_detail(view.detail)
    people = Table(title="People")
    for heading in ("id", "role", "name", "date of birth"):
        people.add_column(heading)
    for s in view.subjects:
        people.add_row(str(s.id), s.role.label, s.name,
                       s.date_of_birth.strftime("%d/%m/%Y") if s.date_of_birth else "")
    console.print(people)
    timeline = Table(title="Timeline")
    for heading in ("when", "what", "who", "detail"):
        timeline.add_column(heading)
    for e in view.timeline:
        timeline.add_row(uk_time(e.at), e.kind.label, e.actor_name,
                         "; ".join(f"{k}: {v}" for k, v in e.detail.items()))
    console.print(timeline)


@incidents_app.command("update")
@friendly
def update(
    incident_id: int = typer.Argument(..., help="Incident number."),
    stream_url: list[str] = typer.Option(None, "--stream-url",
                                         help="Stream address (repeatable; replaces the list)."),
    platform: str = typer.Option(None, "--platform", help="Platform."),
    decoy_age: int = typer.Option(None, "--decoy-age", help="Decoy age claimed."),
    viewers: int = typer.Option(None, "--viewers", help="Live viewer count."),
    police_called: str = typer.Option(None, "--police-called", help="When police were called."),
    police_arrived: str = typer.Option(None, "--police-arrived",
                                       help="When police arrived."),
    outcome: str = typer.Option(None, "--outcome", help="Outcome so far."),
    address: str = typer.Option(None, "--address", help="Street address or venue."),
    report: list[int] = typer.Option(None, "--report", help="Link a report (repeatable)."),
    confirm: list[str] = typer.Option(None, "--confirm",
                                      help="Confirm a field read by machine (repeatable)."),
) -> None:
    """Add what has become known to an incident, or confirm values read by machine."""
    detail = records.change_incident(open_store(), cli_actor(), incident_id,
                                     records.IncidentChanges(
        stream_urls=stream_url or None, platform=platform, decoy_age_claimed=decoy_age,
        viewers=viewers, police_called_at=_when(police_called, "police_called_at"),
        police_arrived_at=_when(police_arrived, "police_arrived_at"), outcome=outcome,
        address=address, report_ids=report or None, confirm=confirm or []))
    _show_detail(detail)


@incidents_app.command("add-person")
@friendly
def add_person(
    incident_id: int = typer.Argument(..., help="Incident number."),
    name: str = typer.Option(..., "--name", help="Full name."),
    role: str = typer.Option("subject", "--role",
                             help="subject, household_member, partner_or_carer, witness, ..."),
    dob: str = typer.Option(None, "--dob", help="Date of birth (23/11/1980)."),
    address: str = typer.Option(None, "--address", help="Home address."),
    postcode: str = typer.Option(None, "--postcode", help="Postcode."),
    handle: list[str] = typer.Option([], "--handle", help="Online handle (repeatable)."),
    alias: list[str] = typer.Option([], "--alias", help="Other name used (repeatable)."),
) -> None:
    """Add a person with their role; the subject is checked against open investigations."""
    subject, result = records.add_subject(open_store(), cli_actor(), incident_id, IncidentSubject(
        role=records.parse_role(role), name=name, aliases=alias,
        date_of_birth=parse_date(dob, "dob") if dob else None, address=address,
        postcode=postcode, handles=handle))
    console.print(f"Added {subject.role.label} (person {subject.id}).", highlight=False)
    for line in result.officer_lines():
        console.print(line, highlight=False)


@incidents_app.command("event")
@friendly
def event(
    incident_id: int = typer.Argument(..., help="Incident number."),
    kind: str = typer.Argument(..., help="arrest, charge, court_result or note."),
    at: str = typer.Option(None, "--at", help="When (UK time), default now."),
    note: str = typer.Option(None, "--note", help="What happened, briefly."),
) -> None:
    """Record an arrest, a charge, a court result or a note on the timeline."""
    from drachma.incidents.checks import event_kind

    recorded = records.record_event(open_store(), cli_actor(), incident_id, event_kind(kind),
                                    _when(at, "at"), note)
    console.print(f"Recorded {recorded.kind.label} at {uk_time(recorded.at)}.", highlight=False)


@incidents_app.command("close")
@friendly
def close(
    incident_id: int = typer.Argument(..., help="Incident number."),
    reason: str = typer.Option(..., "--reason", help="Why it is closed."),
) -> None:
    """Close an incident."""
    records.close_incident(open_store(), cli_actor(), incident_id, reason)
    console.print(f"Incident {incident_id} closed.", highlight=False)


# --------------------------------------------------------------------------------------------
# THRIVE and tasks


@incidents_app.command("factors")
@friendly
def factors() -> None:
    """List the THRIVE factors and the source of the risk rules."""
    from drachma.safeguarding.rules import risk_rules

    rules = risk_rules()
    table = Table(title="THRIVE factors")
    for heading in ("factor", "what it means", "heading", "for"):
        table.add_column(heading)
    for f in rules.factors.values():
        table.add_row(f.key, f.label, f.heading, ", ".join(sorted(x.value for x in f.focuses)))
    console.print(table)
    console.print(f"Rules: {rules.source}", highlight=False)


@incidents_app.command("assess")
@friendly
def assess(
    incident_id: int = typer.Argument(..., help="Incident number."),
    focus: str = typer.Option("subject", "--for", help="subject or household."),
    factor: list[str] = typer.Option([], "--factor", help="A factor present (repeatable); "
                                     "see 'drachma incidents factors'."),
    note: list[str] = typer.Option([], "--note", help="heading=text, e.g. threat=crowd of 40 "
                                   "(repeatable)."),
    override: str = typer.Option(None, "--override", help="Set the level: standard, medium, high."),
    reason: str = typer.Option(None, "--reason", help="Why the computed level is overridden."),
) -> None:
    """Record a THRIVE assessment (a new version); the playbook creates tasks."""
    from drachma.safeguarding import thrive

    notes: dict[str, str] = {}
    for item in note:
        heading, _, text = item.partition("=")
        notes[heading.strip().lower()] = text
    result = thrive.assess(open_store(), cli_actor(), incident_id, thrive.parse_focus(focus),
                           factor, notes, override=thrive.parse_level(override) if override
                           else None, override_reason=reason)
    a = result.assessment
    labels = thrive.factor_labels()
    console.print(f"Assessment of the {a.focus.value}, version {a.version}: risk {a.level.value}"
                  + (f" (computed {a.computed_level.value}, overridden: {a.override_reason})"
                     if a.override_reason else ""), highlight=False)
    if a.drivers:
        console.print("Driven by: " + ", ".join(labels[d] for d in a.drivers), highlight=False)
    for task in result.tasks:
        console.print(f"Task {task.id}: {task.title} - {task.owner_role}, due "
                      f"{uk_time(task.due_at)}", highlight=False)


@incidents_app.command("assessments")
@friendly
def assessments(incident_id: int = typer.Argument(..., help="Incident number.")) -> None:
    """Every version of the incident's THRIVE assessments."""
    from drachma.safeguarding import thrive

    table = Table(title=f"THRIVE assessments of incident {incident_id}")
    for heading in ("for", "version", "level", "computed", "factors", "by", "when"):
        table.add_column(heading)
    for a in thrive.history(open_store(), cli_actor(), incident_id):
        table.add_row(a.focus.value, str(a.version), a.level.value, a.computed_level.value,
                      ", ".join(a.factors), a.assessed_by, uk_time(a.assessed_at))
    console.print(table)


def _task_table(title: str, found: list[Any]) -> Table:
    table = Table(title=title)
    for heading in ("task", "incident", "what", "owner", "due", "status", "escalated"):
        table.add_column(heading)
    for t in found:
        table.add_row(str(t.id), str(t.incident_id), t.title, t.owner_role, uk_time(t.due_at),
                      t.status.value, uk_time(t.escalated_at))
    return table


@incidents_app.command("tasks")
@friendly
def tasks_(incident_id: int = typer.Argument(..., help="Incident number.")) -> None:
    """The incident's safeguarding tasks, soonest due first."""
    from drachma.safeguarding import tasks

    console.print(_task_table(f"Tasks of incident {incident_id}",
                              tasks.tasks_of(open_store(), cli_actor(), incident_id)))


@incidents_app.command("task-done")
@friendly
def task_done(
    task_id: int = typer.Argument(..., help="Task number."),
    note: str = typer.Option(None, "--note", help="What was done."),
) -> None:
    """Mark a safeguarding task done (a done task is never reopened)."""
    from drachma.safeguarding import tasks

    done = tasks.complete_task(open_store(), cli_actor(), task_id, note)
    console.print(f"Task {done.id} done: {done.title}.", highlight=False)


@incidents_app.command("board")
@friendly
def board(
    limit: int = typer.Option(50, "--limit", min=1, max=200, help="Rows per page."),
    offset: int = typer.Option(0, "--offset", min=0, help="Rows to skip."),
) -> None:
    """The supervisors' board: overdue tasks that were escalated and are still open."""
    from drachma.safeguarding import tasks

    found, total = tasks.supervisors_board(open_store(), cli_actor(), limit=limit, offset=offset)
    console.print(_task_table(f"{total} escalated tasks", found))


# --------------------------------------------------------------------------------------------
# Investigations (for deconfliction)


@incidents_app.command("investigation-add")
@friendly
def investigation_add(
    reference: str = typer.Argument(..., help="Investigation reference, e.g. 'OP HAWTHORN'."),
    owner: str = typer.Option(..., "--owner", help="Owner as people call them (rank and name)."),
    owner_user: str = typer.Option(None, "--owner-user",
                                   help="The owner's Drachma user name (gets the alerts)."),
    contact: str = typer.Option(None, "--contact", help="How to reach the owner."),
    force: str = typer.Option(None, "--force", help="Police force."),
) -> None:
    """Record an open investigation whose subjects are checked against new incidents."""
    from drachma.gazetteers import resolve_force
    from drachma.safeguarding import deconfliction

    number = deconfliction.open_investigation(
        open_store(), cli_actor(), reference, owner, owner_user, contact,
        resolve_force(force).code if force else None, [])
    console.print(f"Investigation {number} ({reference}) recorded.", highlight=False)


@incidents_app.command("investigation-subject")
@friendly
def investigation_subject(
    investigation_id: int = typer.Argument(..., help="Investigation number."),
    name: str = typer.Option(..., "--name", help="Full name."),
    alias: list[str] = typer.Option([], "--alias", help="Other name used (repeatable)."),
    dob: str = typer.Option(None, "--dob", help="Date of birth."),
    address: list[str] = typer.Option([], "--address", help="Address (repeatable)."),
    postcode: list[str] = typer.Option([], "--postcode", help="Postcode (repeatable)."),
    handle: list[str] = typer.Option([], "--handle", help="Online handle (repeatable)."),
) -> None:
    """Add a subject to an investigation (indexed for deconfliction)."""
    from drachma.model.incident import InvestigationSubject
    from drachma.safeguarding import deconfliction

    number = deconfliction.add_investigation_subject(
        open_store(), cli_actor(), investigation_id, InvestigationSubject(
            name=name, aliases=alias, date_of_birth=parse_date(dob, "dob") if dob else None,
            addresses=address, postcodes=postcode, handles=handle))
    console.print(f"Subject {number} added to investigation {investigation_id}.",
                  highlight=False)


@incidents_app.command("investigation-close")
@friendly
def investigation_close(
    investigation_id: int = typer.Argument(..., help="Investigation number."),
) -> None:
    """Close an investigation: its subjects are no longer checked."""
    from drachma.safeguarding import deconfliction

    deconfliction.close_investigation(open_store(), cli_actor(), investigation_id)
    console.print(f"Investigation {investigation_id} closed.", highlight=False)


# --------------------------------------------------------------------------------------------
# Takedown requests


@incidents_app.command("takedown")
@friendly
def takedown(
    incident_id: int = typer.Argument(..., help="Incident number."),
    url: str = typer.Option(..., "--url", help="Address of the content."),
    kind: str = typer.Option("live_stream", "--kind", help="live_stream, video, post or page."),
    basis: str = typer.Option(..., "--basis", help="contempt_of_court, harassment, "
                              "child_identification or platform_rules."),
    platform: str = typer.Option(None, "--platform", help="Platform."),
    exhibit: str = typer.Option(None, "--exhibit", help="Exhibit reference of the preserved "
                                "copy, e.g. JS/1."),
    not_preserved: str = typer.Option(None, "--not-preserved",
                                      help="Why no copy could be preserved."),
) -> None:
    """Draft a takedown request for one piece of content."""
    from drachma.incidents import takedowns

    made = takedowns.draft_takedown(open_store(), cli_actor(), incident_id, url,
                                    takedowns.parse_kind(kind), takedowns.parse_basis(basis),
                                    platform=platform, preserved_exhibit=exhibit,
                                    not_preserved_reason=not_preserved)
    console.print(f"Takedown {made.id} drafted.", highlight=False)


@incidents_app.command("takedown-status")
@friendly
def takedown_status(
    takedown_id: int = typer.Argument(..., help="Takedown request number."),
    status: str = typer.Argument(..., help="sent, acknowledged, removed, refused or expired."),
    at: str = typer.Option(None, "--at", help="When (UK time), default now."),
) -> None:
    """Move a takedown request on: sending needs a preserved copy or a recorded reason."""
    from drachma.incidents import takedowns

    changed = takedowns.change_status(open_store(), cli_actor(), takedown_id,
                                      takedowns.parse_status(status), _when(at, "at"))
    console.print(f"Takedown {changed.id} is now {changed.status.value}.", highlight=False)


@incidents_app.command("takedown-preserved")
@friendly
def takedown_preserved(
    takedown_id: int = typer.Argument(..., help="Takedown request number."),
    exhibit: str = typer.Option(None, "--exhibit", help="Exhibit reference, e.g. JS/1."),
    reason: str = typer.Option(None, "--reason", help="Why no copy could be preserved."),
) -> None:
    """Link the preserved copy, or record why none could be kept."""
    from drachma.incidents import takedowns

    takedowns.record_preservation(open_store(), cli_actor(), takedown_id, exhibit=exhibit,
                                  reason=reason)
    console.print(f"Takedown {takedown_id}: preservation recorded.", highlight=False)


@incidents_app.command("takedowns")
@friendly
def takedowns_(incident_id: int = typer.Argument(..., help="Incident number.")) -> None:
    """The incident's takedown requests, with a suggested basis after an arrest."""
    from drachma.incidents import takedowns

    store, actor = open_store(), cli_actor()
    table = Table(title=f"Takedown requests of incident {incident_id}")
    for heading in ("id", "url", "kind", "basis", "status", "sent", "answered", "suggest"):
        table.add_column(heading)
    for t in takedowns.takedowns_of(store, actor, incident_id):
        suggestion = takedowns.suggested_basis(store, actor, t)
        table.add_row(str(t.id), t.url, t.kind.value, t.legal_basis.value, t.status.value,
                      uk_time(t.requested_at), uk_time(t.answered_at),
                      suggestion.value if suggestion else "")
    console.print(table)


@incidents_app.command("takedown-text")
@friendly
def takedown_text(
    takedown_id: int = typer.Argument(..., help="Takedown request number."),
    output: Path = typer.Option(None, "--output", "-o", help="Write the text to this file."),
) -> None:
    """The request text for the platform's law-enforcement channel (from the template)."""
    from drachma.incidents import takedowns

    text = takedowns.request_text(open_store(), cli_actor(), takedown_id)
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(f"Written to {output}.", highlight=False)
    else:
        typer.echo(text)


def register(app: typer.Typer) -> None:
    """Add ``drachma incidents`` to the main app."""
    app.add_typer(incidents_app, name="incidents")
