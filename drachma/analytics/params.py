"""Count filters from text as people type it (command-line options, query strings, forms).

One parser for the CLI, the JSON API and the pages, so that a figure's link and a typed question
mean the same thing. Each bad value raises a :class:`ValidationError` naming its field.
"""

from __future__ import annotations

from drachma import gazetteers
from drachma.analytics.catalogue import outcome_categories
from drachma.errors import ValidationError
from drachma.model.dates import parse_date
from drachma.store.analytics import CountFilters

MAX_TEXT = 200
_GRADING_PARTS = ("123", "ABCDE", "PC")


def _clean(value: str | None, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_TEXT:
        raise ValidationError(f"{field.replace('_', ' ')} is longer than {MAX_TEXT} characters",
                              field=field)
    return value.strip()


def parse_grading(text: str | None) -> tuple[str | None, str | None, str | None]:
    """``2``, ``2B`` or ``2BP`` (dashes and spaces ignored) -> source, intelligence, handling."""
    code = (_clean(text, "grading") or "").upper().replace("-", "").replace(" ", "")
    if not code:
        return None, None, None
    if len(code) > 3 or any(c not in allowed for c, allowed in zip(code, _GRADING_PARTS,
                                                                    strict=False)):
        raise ValidationError(f"grading {text!r} is not like 2, 2B or 2BP", field="grading")
    padded = [*code, None, None]
    return padded[0], padded[1], padded[2]


def parse_filters(
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    force: str | None = None,
    district: str | None = None,
    town: str | None = None,
    group: str | None = None,
    platform: str | None = None,
    outcome: str | None = None,
    source_kind: str | None = None,
    grading: str | None = None,
) -> CountFilters:
    """Filters from text: a force by code or name ("GMP"), a district by 2023 code or by any name
    (older districts are mapped to 2023), dates as 31/12/2018 or 2018-12-31, grading partial."""
    force_text = _clean(force, "force")
    district_text = _clean(district, "district")
    district_code = None
    if district_text:
        found = gazetteers.current_district(district_text)
        if found is None:
            raise ValidationError(f"no district is called or coded {district_text!r}",
                                  field="district")
        district_code = found.code
    town_text = _clean(town, "town")
    if town_text:
        places = [p for p in gazetteers.find_places(town_text) if p.kind.value in ("city", "town")]
        town_text = places[0].name if places else town_text
    outcome_text = _clean(outcome, "outcome")
    if outcome_text:
        wanted = outcome_text.lower().replace(" ", "_")
        labels = {c.label.lower().replace(" ", "_"): code
                  for code, c in outcome_categories().items()}
        outcome_text = labels.get(wanted, wanted)
    source, intelligence, handling = parse_grading(grading)
    from_text, to_text = _clean(date_from, "date_from"), _clean(date_to, "date_to")
    kind = _clean(source_kind, "source_kind")
    return CountFilters(
        date_from=parse_date(from_text, "date_from") if from_text else None,
        date_to=parse_date(to_text, "date_to") if to_text else None,
        force=gazetteers.resolve_force(force_text).code if force_text else None,
        district=district_code,
        town=town_text,
        group=_clean(group, "group"),
        platform=_clean(platform, "platform"),
        outcome=outcome_text,
        source_kind=kind.lower() if kind else None,
        source_evaluation=source,
        intelligence=intelligence,
        handling=handling,
    )
