"""Deterministic invented reports, streamed.

:func:`generate_reports` yields graded :class:`~drachma.model.report.Report` objects one at a time
(nothing of size ``n`` is kept), the same for the same seed, each with a unique body and its
``content_hash``. Reports tell of invented groups confronting invented men in real UK towns; the
styles are an officer's intelligence report, a member of the public's message, a news item, a
group's Facebook post, a platform referral, a partner agency referral and FOI statistics.

Events (stings) run on their own timeline: several reports may tell of the same event, which the
demo loader turns into incidents.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TypeVar

from drachma import gazetteers
from drachma.demo import names as N
from drachma.model.entities import Group, GroupStatus, Place
from drachma.model.grading import (
    Grading,
    HandlingCode,
    IntelligenceAssessment,
    LegacyGrading,
    SourceEvaluation,
)
from drachma.model.report import Report, SourceKind, review_date_after
from drachma.model.roles import Role
from drachma.reports import DEFAULT_REVIEW_YEARS, content_hash

T = TypeVar("T")

DEFAULT_START = date(2017, 1, 1)
DEFAULT_END = date(2019, 12, 31)
REVIEW_YEARS = DEFAULT_REVIEW_YEARS  # MoPI: first review six years on
MAX_EVENT_AGE = timedelta(days=90)
MONTHS = (
    "", "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --------------------------------------------------------------------------------------------
# Places and forces from the gazetteer


@dataclass(frozen=True, slots=True)
class _Geo:
    towns: tuple[Place, ...]
    by_force: dict[str, tuple[Place, ...]]
    by_name: dict[str, Place]
    force_names: dict[str, str]


@lru_cache(maxsize=1)
def _geo() -> _Geo:
    forces = {f.code: f.name for f in gazetteers.police_forces()}
    towns = tuple(
        sorted(
            (t for t in gazetteers.towns() if t.force and t.force in forces),
            key=lambda t: (t.name, t.district or "", t.force or ""),
        )
    )
    if not towns:
        raise RuntimeError("the gazetteer has no towns with a police force")
    by_force: dict[str, list[Place]] = {}
    by_name: dict[str, Place] = {}
    for town in towns:
        assert town.force is not None
        by_force.setdefault(town.force, []).append(town)
        by_name.setdefault(town.name, town)
    return _Geo(towns, {k: tuple(v) for k, v in by_force.items()}, by_name, forces)


# --------------------------------------------------------------------------------------------
# Groups


@dataclass(frozen=True, slots=True)
class DemoGroup:
    """An invented group with its aliases and home area."""

    name: str
    abbreviation: str
    page: str
    home: Place
    status: GroupStatus

    @property
    def force(self) -> str:
        assert self.home.force is not None
        return self.home.force

    @property
    def hashtag(self) -> str:
        return "#" + self.name.replace(" ", "")

    @property
    def page_url(self) -> str:
        return "https://www.facebook.com/" + self.name.replace(" ", "").lower()

    def aliases(self) -> list[tuple[str, str]]:
        """(alias, kind): abbreviation, "X UK", the Facebook page name."""
        return [
            (self.abbreviation, "abbreviation"),
            (f"{self.name} UK", "alias"),
            (self.page, "page"),
        ]

    def to_group(self) -> Group:
        return Group(
            name=self.name,
            aliases=[alias for alias, _ in self.aliases()],
            pages=[self.page_url],
            area_force=self.force,
            status=self.status,
            confirmed=True,
        )


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.replace("-", " ").split()).upper()


@lru_cache(maxsize=1)
def demo_groups() -> tuple[DemoGroup, ...]:
    """The 40 invented groups (the same for every seed)."""
    geo = _geo()
    rng = random.Random(1789)
    names: list[tuple[str, Place]] = []
    for town_name, core in N.TOWN_GROUPS[: N.TOWN_GROUP_COUNT]:
        town = geo.by_name.get(town_name)
        if town is not None:
            names.append((f"{town_name} {core}", town))
    places = list(N.GROUP_PLACES)
    rng.shuffle(places)
    cores = N.GROUP_CORES
    for i, place in enumerate(places):
        if len(names) >= N.GROUP_COUNT:
            break
        names.append((f"{place} {cores[i % len(cores)]}", rng.choice(geo.towns)))
    statuses = (GroupStatus.ACTIVE,) * 6 + (GroupStatus.DORMANT, GroupStatus.DISBANDED)
    out: list[DemoGroup] = []
    seen: set[str] = set()
    for name, home in names:
        abbreviation = _initials(name)
        if len(abbreviation) < 3:
            abbreviation += "UK"
        if abbreviation in seen:
            words = name.split()
            abbreviation = words[0][:2].upper() + _initials(" ".join(words[1:]))
        seen.add(abbreviation)
        page = f"{name} - Exposing Online Predators" if len(out) % 2 else f"{name} Official"
        out.append(DemoGroup(name, abbreviation, page, home, rng.choice(statuses)))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Events (stings) and their outcomes


@dataclass(slots=True)
class DemoEvent:
    """An invented sting: becomes an incident when loaded."""

    key: int
    occurred_at: datetime
    group: int
    town: Place
    venue: str
    subject: str
    subject_age: int
    decoy_age: int
    decoy_kind: str
    contact_platform: str
    live: bool
    stream_platform: str | None
    viewers: int | None
    police_attended: bool
    outcome: str
    outcome_text: str
    headline: str
    told: int = 0  # how many reports of the stream tell of it so far

    @property
    def force(self) -> str:
        assert self.town.force is not None
        return self.town.force


def _outcome(rng: random.Random) -> tuple[str, str, str]:
    """(label, text after the man's name, headline words)."""
    roll = rng.random()
    if roll < 0.22:
        return ("arrested",
                "was arrested on suspicion of attempting to meet a child following grooming",
                "arrested")
    if roll < 0.38:
        return ("released_under_investigation",
                "was arrested and later released under investigation",
                "released under investigation")
    if roll < 0.55:
        offence = rng.choice((
            "attempting to engage in sexual communication with a child",
            "attempting to meet a child following sexual grooming",
            "attempting to arrange the commission of a child sex offence",
        ))
        return ("charged", f"was arrested and has since been charged with {offence}", "charged")
    if roll < 0.70:
        months = rng.choice((8, 10, 12, 14, 16, 18, 20, 24, 28, 32))
        return ("jailed", f"was jailed for {months} months after pleading guilty",
                f"jailed for {months} months")
    if roll < 0.80:
        months = rng.choice((6, 8, 10, 12, 18, 24))
        return ("suspended_sentence",
                f"was given a {months}-month prison sentence suspended for two years",
                "given suspended sentence")
    if roll < 0.86:
        return ("community_order",
                "was given a community order and placed on the sex offenders register",
                "given community order")
    if roll < 0.94:
        return ("no_further_action", "was interviewed and no further action was taken",
                "faces no further action")
    return ("wrong_man",
            "was confronted, but police established he was not the man who sent the messages",
            "wrongly accused")


# --------------------------------------------------------------------------------------------
# Gradings

_GRADE_WEIGHTS = (
    ("2BP", 22), ("2CP", 18), ("3CP", 10), ("1BP", 10), ("2DP", 8), ("3DP", 6), ("1AP", 5),
    ("2AP", 5), ("1CP", 5), ("3BP", 4), ("1DP", 2), ("2EP", 1), ("3EP", 1), ("3AP", 1),
)
_LEGACY = ("B24", "B22", "C34", "B34", "A11", "C44", "B33", "D45", "E55", "A24", "C23", "B12")
_VISIBLE = (
    frozenset({Role.INVESTIGATOR}),
    frozenset({Role.INVESTIGATOR, Role.ANALYST}),
    frozenset({Role.OFFICER, Role.INVESTIGATOR}),
    frozenset({Role.INVESTIGATOR, Role.DISCLOSURE_OFFICER}),
    frozenset({Role.ANALYST}),
)
_KINDS = (
    (SourceKind.OFFICER, 30), (SourceKind.PUBLIC, 18), (SourceKind.NEWS, 18),
    (SourceKind.GROUP, 16), (SourceKind.PARTNER, 8), (SourceKind.PLATFORM, 5),
    (SourceKind.FOI, 5),
)
# How often a report of each kind tells of a sting (the rest are general intelligence).
_STING_SHARE = {
    SourceKind.OFFICER: 0.7, SourceKind.PUBLIC: 0.6, SourceKind.NEWS: 0.9, SourceKind.GROUP: 0.9,
    SourceKind.PARTNER: 0.4, SourceKind.PLATFORM: 0.8, SourceKind.FOI: 0.0,
}


def _grading(code: str, conditions: str | None = None) -> Grading:
    handling = HandlingCode.CONDITIONS if conditions else HandlingCode.PERMITTED
    return Grading(SourceEvaluation(code[0]), IntelligenceAssessment(code[1]), handling, conditions)


def _cumulative(weights: tuple[int, ...]) -> list[int]:
    total = 0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


# --------------------------------------------------------------------------------------------
# The writer


def _long_date(d: date) -> str:
    return f"{d.day} {MONTHS[d.month]} {d.year}"


def _uk_date(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


@dataclass(slots=True)
class GeneratedReport:
    """A report with what the loader needs to link it: the event it tells of and its group."""

    report: Report
    event: DemoEvent | None
    group: int
    town: Place | None = None  # the town the report tells of (analytics facts), if any


class _Writer:
    def __init__(self, n: int, seed: int, start: date, end: date, events: int,
                 first_index: int, on_event: Callable[[DemoEvent], None] | None = None) -> None:
        self.on_event = on_event
        if end < start:
            raise ValueError("end date is before start date")
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self.place: Place | None = None
        self.reviews: dict[date, date] = {}
        self.seed = seed
        self.n = max(n, 1)
        self.first_index = first_index
        self.geo = _geo()
        self.groups = demo_groups()
        self.home_towns = [self.geo.by_force[g.force] for g in self.groups]
        self.start_dt = datetime.combine(start, time(0), tzinfo=UTC)
        self.span = (datetime.combine(end + timedelta(days=1), time(0), tzinfo=UTC)
                     - self.start_dt).total_seconds()
        self.events_total = max(events, 0)
        self.event_key = 0
        self.next_event_at = self._event_time(0)
        self.recent: deque[DemoEvent] = deque(maxlen=6)
        self.grades = [_grading(code) for code, _ in _GRADE_WEIGHTS]
        self.grade_cum = _cumulative(tuple(w for _, w in _GRADE_WEIGHTS))
        self.restricted: dict[tuple[int, int], Grading] = {}
        self.legacy = [LegacyGrading(c[0], c[1], c[2]) for c in _LEGACY]
        self.kinds = [k for k, _ in _KINDS]
        self.kind_cum = _cumulative(tuple(w for _, w in _KINDS))
        self.styles: dict[SourceKind, Callable[[int, datetime, DemoEvent | None, int],
                                               tuple[str, str]]] = {
            SourceKind.OFFICER: self._officer,
            SourceKind.PUBLIC: self._public,
            SourceKind.NEWS: self._news,
            SourceKind.GROUP: self._group_post,
            SourceKind.PARTNER: self._partner,
            SourceKind.PLATFORM: self._platform,
            SourceKind.FOI: self._foi,
        }

    # -- helpers ------------------------------------------------------------------------

    def pick(self, seq: Sequence[T]) -> T:
        """A random element (cheaper than ``Random.choice``, still deterministic)."""
        return seq[int(self.random() * len(seq))]

    def between(self, low: int, high: int) -> int:
        """A random integer in ``[low, high)``."""
        return low + int(self.random() * (high - low))

    def _event_time(self, key: int) -> float:
        if key >= self.events_total:
            return float("inf")
        return self.span * (key + self.rng.random()) / self.events_total

    def _person(self) -> str:
        rng = self.rng
        given = self.pick(N.GIVEN_MALE if rng.random() < 0.7 else N.GIVEN_FEMALE)
        return f"{given} {self.pick(N.SURNAMES)}"

    def _subject_name(self) -> str:
        surname = self.pick(N.SURNAME_HEADS) + self.pick(N.SURNAME_MIDDLES) + self.pick(
            N.SURNAME_TAILS)
        return f"{self.pick(N.GIVEN_MALE)} {surname}"

    def _officer_name(self) -> str:
        return f"{self.pick(N.RANKS)} {self._person()}"

    def _town_for(self, group: int) -> Place:
        """A town for the group: mostly in its home force area; remembered as ``self.place``."""
        if self.random() < 0.7:
            town = self.pick(self.home_towns[group])
        else:
            town = self.pick(self.geo.towns)
        self.place = town
        return town

    def _group_name(self, group: int) -> str:
        g = self.groups[group]
        roll = self.rng.random()
        if roll < 0.7:
            return g.name
        if roll < 0.82:
            return f"{g.name} UK"
        if roll < 0.92:
            return g.abbreviation
        return g.page

    def _force_name(self, place: Place) -> str:
        assert place.force is not None
        return self.geo.force_names[place.force]

    def _rare(self) -> str:
        if self.rng.random() < 0.002:
            return f" A {self.pick(N.RARE_WORDS)} was noted among the items seen."
        return ""

    def _new_event(self, seconds: float) -> DemoEvent:
        rng = self.rng
        key = self.event_key
        group = self.between(0, len(self.groups))
        town = self._town_for(group)
        when = self.start_dt + timedelta(seconds=int(seconds))
        when = when.replace(hour=self.pick((12, 15, 17, 18, 19, 19, 20, 20, 21, 22)),
                            minute=self.between(0, 60))
        live = rng.random() < 0.7
        label, text, headline = _outcome(rng)
        event = DemoEvent(
            key=key,
            occurred_at=when,
            group=group,
            town=town,
            venue=self.pick(N.VENUES),
            subject=self._subject_name(),
            subject_age=self.between(19, 74),
            decoy_age=self.pick((12, 13, 13, 14, 14, 14, 15, 15)),
            decoy_kind=self.pick(N.DECOY_KINDS),
            contact_platform=self.pick(N.CONTACT_PLATFORMS),
            live=live,
            stream_platform=self.pick(N.STREAM_PLATFORMS) if live else None,
            viewers=int(rng.paretovariate(1.3) * 150) if live else None,
            police_attended=rng.random() < 0.8,
            outcome=label,
            outcome_text=text,
            headline=headline,
        )
        self.event_key += 1
        self.next_event_at = self._event_time(self.event_key)
        return event

    def events_until(self, seconds: float) -> list[DemoEvent]:
        """Events whose time has come by ``seconds`` after the start."""
        out = []
        while self.event_key < self.events_total and self.next_event_at <= seconds:
            event = self._new_event(self.next_event_at)
            self.recent.append(event)
            out.append(event)
        if self.on_event is not None:
            for event in out:
                self.on_event(event)
        return out

    def _pick_event(self, received: datetime) -> DemoEvent | None:
        """A recent event (within the last 90 days) for a report to tell of, if there is one."""
        oldest = received - MAX_EVENT_AGE
        recent = [e for e in self.recent if oldest <= e.occurred_at <= received]
        if not recent:
            return None
        fresh = [e for e in recent if e.told < 3]
        pool = fresh or recent
        event = pool[-1] if self.rng.random() < 0.6 else self.pick(pool)
        event.told += 1
        return event

    # -- styles ---------------------------------------------------------------------------

    def _officer(self, ref: int, received: datetime, e: DemoEvent | None,
                 group: int) -> tuple[str, str]:
        rng = self.rng
        if e is None:
            town = self._town_for(group)
            name = self._group_name(group)
            force = self._force_name(town)
            followers = self.between(800, 60000)
            title = self.pick((f"Intelligence: {name} activity in {town.name}",
                                f"OCAG intelligence - {name} ({town.name})",
                                f"Group {name} planning stings around {town.name}"))
            body = (
                f"INTELLIGENCE REPORT\nReporting officer: {self._officer_name()}, {force}\n\n"
                f"Intelligence indicates that the group known as {name} are recruiting new decoys "
                f"through a closed Facebook group and intend to extend their activity into "
                f"{town.name} ({town.district}). Members have been seen meeting at "
                f"{self.pick(N.VENUES)}. The group's page has around {followers:,} followers "
                f"and posts several times a week. "
                + self.pick((
                    "There is no indication of violence but there is a risk of disorder at "
                    "future confrontations. ",
                    "A member is believed to have previous convictions for harassment. ",
                    "The group have recently fallen out with a rival page and accuse it of "
                    "fabricating chat logs. ",
                    "The group say they will not call the police until the man has been filmed. ",
                ))
                + f"The source states that a sting on {self.pick(N.CONTACT_PLATFORMS)} is "
                f"planned within the next {self.pick(('week', 'fortnight', 'month'))}."
                + self._rare()
                + f"\n\nURN: DMO/{self.seed}/{ref:08d}"
            )
            return title, body
        town = e.town
        name = self._group_name(e.group)
        force = self._force_name(town)
        d = e.occurred_at
        title = self.pick((f"{name} confrontation in {town.name} on {_uk_date(d)}",
                            f"OCAG sting, {town.name}: {e.subject}",
                            f"Intelligence: sting by {name} at {e.venue}, {town.name}"))
        parts = [
            f"INTELLIGENCE REPORT\nReporting officer: {self._officer_name()}, {force}\n\n",
            f"On {WEEKDAYS[d.weekday()]} {_long_date(d)} at about {d.hour:02d}:{d.minute:02d} "
            f"members of the group known as {name} confronted a man at {e.venue} in {town.name}, "
            f"{town.district}. The group state that the man had been communicating on "
            f"{e.contact_platform} with a decoy profile posing as a {e.decoy_age}-year-old "
            f"{e.decoy_kind} and had arranged to meet. ",
        ]
        if e.live:
            parts.append(f"The confrontation was streamed on {e.stream_platform} and had about "
                         f"{e.viewers:,} viewers at its peak. ")
        else:
            parts.append("The group did not stream the confrontation but posted photographs on "
                         "Facebook shortly afterwards. ")
        if e.police_attended:
            parts.append(f"Police officers from {force} attended {self.between(6, 75)} minutes "
                         f"after the 999 call. The man, named by the group as {e.subject}, aged "
                         f"{e.subject_age}, {e.outcome_text}. ")
        else:
            parts.append(f"Police were not called at the scene; the group passed chat logs to "
                         f"{force} the following day. The man named by the group is {e.subject}, "
                         f"aged {e.subject_age}. ")
        next_town = self.pick(self.home_towns[e.group]).name
        notes = (
            f"About {self.between(2, 7)} group members were present, two of them filming on "
            "mobile phones. ",
            f"A crowd of around {self.between(10, 80)} people gathered and had to be dispersed. ",
            "The subject appeared distressed and was assessed for risk of self-harm. ",
            "The subject lives with a partner and children; a safeguarding referral was made. ",
            f"The subject was seen to arrive in {self.pick(N.VEHICLES)}. ",
            f"Chat logs running to {self.between(12, 240)} pages were handed to the officers. ",
            f"The group say a further sting is planned in {next_town} within a fortnight. ",
            "The subject's address has since been posted in the comments under the video. ",
        )
        parts.append(self.pick(notes))
        if rng.random() < 0.5:
            parts.append(self.pick(notes))
        parts.append(self._rare())
        parts.append(f"\n\nURN: DMO/{self.seed}/{ref:08d}")
        return title, "".join(parts)

    def _public(self, ref: int, received: datetime, e: DemoEvent | None,
                group: int) -> tuple[str, str]:
        g = self.groups[group]
        if e is None:
            town = self._town_for(group)
            title = self.pick((f"Web form: concern about a Facebook page in {town.name}",
                                "Message from a member of the public", "Concern raised via 101"))
            body = (
                f"{self.pick(('Hello', 'Hi', 'To whom it may concern', 'Dear Sir/Madam'))},\n"
                f"I want to report a Facebook page called {g.page}. They keep posting photos of "
                f"men they say are paedos in {town.name} with their names and where they live. "
                + self.pick((
                    "One of them lives near me and now people are gathering outside his house. ",
                    "They asked for volunteers to pose as children which does not seem right. ",
                    "They are asking people for money to fund what they call their operations. ",
                    "My neighbour's son was named by them and I am sure they have the wrong man. ",
                ))
                + self.pick(("Is this legal? ", "Surely the police should be dealing with this. ",
                              "Can someone please look into it? "))
                + f"\n{self.pick(('Thanks', 'Regards', 'Many thanks'))}, "
                f"{self.pick(N.GIVEN_FEMALE + N.GIVEN_MALE)}"
                + self._rare()
                + f"\n\nForm reference: DMO/{self.seed}/{ref:08d}"
            )
            return title, body
        name = self._group_name(e.group)
        ago = (received.date() - e.occurred_at.date()).days
        when = ("last night" if ago <= 1 else f"on {WEEKDAYS[e.occurred_at.weekday()]}"
                if ago < 7 else f"on {_uk_date(e.occurred_at)}")
        title = self.pick((f"Web form: live video of a man being confronted in {e.town.name}",
                            "Message from a member of the public",
                            f"Concern about a group called {name}"))
        watched = (f"watched a live video on {e.stream_platform}" if e.live
                   else "saw photos posted on Facebook")
        body = (
            f"{self.pick(('Hello', 'Hi', 'Hi there', 'Good morning'))},\n"
            f"I'm writing because {when} I {watched} from a group called {name}. They were at "
            f"{e.venue} in {e.town.name} shouting at a man they said had been messaging a "
            f"{e.decoy_age} year old on {e.contact_platform}. "
            + self.pick((
                "There were kids watching. I don't know if the police were there. ",
                "I live on the same street and my children are frightened. ",
                "People in the comments are posting his address and saying what they will do. ",
                "I think the man might have learning difficulties, he looked terrified. ",
                "I was not sure whether to call 999 or 101 so I am using this form. ",
                "The police did turn up and the man was arrested but the group kept filming. ",
            ))
            + "Can someone look into this please?"
            + self._rare()
            + f"\n\nForm reference: DMO/{self.seed}/{ref:08d}"
        )
        return title, body

    def _news(self, ref: int, received: datetime, e: DemoEvent | None,
              group: int) -> tuple[str, str]:
        if e is None:
            return self._foi(ref, received, None, group)
        g = self.groups[e.group]
        force = self._force_name(e.town)
        title = self.pick((
            f"{e.town.name} man {e.headline} after 'paedophile hunter' sting",
            f"Man {e.headline} after online sting by {g.name}",
            f"Vigilante group films confrontation in {e.town.name}",
        ))
        where = self.pick(("a court heard", "police said", "the group claimed",
                            "according to the group's video"))
        streamed = (f"The confrontation, streamed on {e.stream_platform}, was watched by more "
                    f"than {e.viewers:,} people. " if e.live
                    else "The group later posted photographs of the confrontation on Facebook. ")
        quote = self.pick((
            "We understand the public's concerns but we would urge people not to take the law "
            "into their own hands.",
            "Anyone with concerns about a child's safety should contact police on 101, or 999 in "
            "an emergency.",
            "Activity of this kind can compromise investigations and put people at risk.",
            "Officers attended and a man was arrested. Enquiries are continuing.",
        ))
        body = (
            f"{title}\n\nA {e.subject_age}-year-old man from {e.town.name} {e.outcome_text} after "
            f"he was confronted by members of the online child protection group {g.name}. "
            f"{e.subject}, of {e.town.district}, had been messaging what he believed was a "
            f"{e.decoy_age}-year-old {e.decoy_kind} on {e.contact_platform} before arranging to "
            f"meet at {e.venue}, {where}. {streamed}"
            f"A spokesperson for {force} said: \"{quote}\" "
            + self.pick((
                f"The group, which has run stings across {e.town.district} since "
                f"{e.occurred_at.year - self.between(0, 3)}, said it would continue its work.",
                "Police have repeatedly warned about the risks of such stings.",
                f"It is the {self.pick(('third', 'fourth', 'fifth', 'sixth'))} confrontation "
                f"involving the group this year.",
                "Charities have raised concerns about the effect of such videos on families.",
            ))
            + self._rare()
            + f"\n\nStory ID: DMO/{self.seed}/{ref:08d}"
        )
        return title, body

    def _group_post(self, ref: int, received: datetime, e: DemoEvent | None,
                    group: int) -> tuple[str, str]:
        rng = self.rng
        g = self.groups[group if e is None else e.group]
        if e is None:
            town = self._town_for(group)
            title = f"Facebook post by {g.page}"
            body = (
                f"APPEAL from {g.name}: we are looking for new decoys and drivers in "
                f"{town.name} and across {town.district}. Must be over 18 and able to keep your "
                f"mouth shut. We work WITH the police not against them. Message the page. "
                f"{g.hashtag} #ProtectOurKids"
                + self._rare()
                + f"\n\nPost ID: DMO/{self.seed}/{ref:08d}"
            )
            return title, body
        title = self.pick((f"Facebook post by {g.page}", f"{g.name} post: sting in {e.town.name}",
                            f"{g.abbreviation} live stream, {e.town.name}"))
        live = (f"*** LIVE NOW on {e.stream_platform} *** {e.viewers:,} watching. " if e.live
                else "*** CAUGHT *** ")
        police = ("Police called and on the way. " if e.police_attended
                  else "Chat logs being handed to the police tomorrow. ")
        parts = [
            live,
            f"Another one caught in {e.town.name} tonight!!! Meet {e.subject}, {e.subject_age}, "
            f"who thought he was meeting a {e.decoy_age} yr old {e.decoy_kind} he'd been chatting "
            f"to on {e.contact_platform}. ",
            police,
        ]
        if e.police_attended and rng.random() < 0.5:
            parts.append(f"UPDATE: {e.subject} {e.outcome_text}. Another result for the team. ")
        parts.append(self.pick((
            "SHARE SHARE SHARE. ", "Do NOT post threats, we work with the police. ",
            "Keep your kids safe online. ", "Thanks to all our supporters. ",
        )))
        parts.append(f"{g.hashtag} #{e.town.name.replace(' ', '')}")
        parts.append(self._rare())
        parts.append(f"\n\nPost ID: DMO/{self.seed}/{ref:08d}")
        return title, "".join(parts)

    def _partner(self, ref: int, received: datetime, e: DemoEvent | None,
                 group: int) -> tuple[str, str]:
        agency = self.pick(N.AGENCIES)
        if e is None:
            town = self._town_for(group)
            g = self.groups[group]
            title = f"Referral from {agency}: {town.district}"
            body = (
                f"{agency} in {town.district} report growing concern about the group {g.name}. "
                f"Staff have been told by {self.pick(N.PARTNERS)} that young people are being "
                f"shown the group's Facebook videos at school and that a family in {town.name} "
                f"has been targeted after a post that police say named the wrong man. We ask "
                f"that police share any safeguarding concerns with {self.pick(N.PARTNERS)}."
                + self._rare()
                + f"\n\nReferral: DMO/{self.seed}/{ref:08d}"
            )
            return title, body
        name = self._group_name(e.group)
        title = f"Referral from {agency}: {e.town.name}"
        body = (
            f"{agency} in {e.town.district} report that a family known to them has been affected "
            f"by an online sting by {name} on {_uk_date(e.occurred_at)}. The man confronted, "
            f"{e.subject}, lives with his partner and children aged {self.between(2, 10)} and "
            f"{self.between(10, 17)}. Since the video was posted on Facebook the family have "
            f"received threats and the children have not attended school. "
            + self.pick((
                "We request that police consider safeguarding and the risk of disorder at the "
                "address. ",
                f"The matter has been passed to {self.pick(N.PARTNERS)}. ",
                "The partner says she knew nothing of the messages. ",
            ))
            + self._rare()
            + f"\n\nReferral: DMO/{self.seed}/{ref:08d}"
        )
        return title, body

    def _platform(self, ref: int, received: datetime, e: DemoEvent | None,
                  group: int) -> tuple[str, str]:
        if e is None or not e.live:
            g = self.groups[group if e is None else e.group]
            title = f"Facebook referral: page '{g.page}'"
            body = (
                f"Trust and safety referral from Facebook. The page '{g.page}' has posted "
                f"{self.between(3, 40)} videos of confrontations in the last month, several "
                f"naming the men filmed and giving their addresses. The page has been warned "
                f"under the community standards on bullying and harassment. Preserved copies "
                f"are available to police on a lawful request."
                + self._rare()
                + f"\n\nCase: DMO/{self.seed}/{ref:08d}"
            )
            return title, body
        g = self.groups[e.group]
        title = f"{e.stream_platform} referral: live video by '{g.page}'"
        body = (
            f"Trust and safety referral. On {_long_date(e.occurred_at)} the page '{g.page}' "
            f"broadcast a live video on {e.stream_platform} of a confrontation at {e.venue}, "
            f"{e.town.name}. The video was viewed {e.viewers:,} times and shared "
            f"{self.between(10, 4000):,} times before it was "
            + self.pick(("removed for breaching the community standards. ",
                          "restricted pending review. ", "reported by police and removed. "))
            + "A preserved copy is available to police on a lawful request."
            + self._rare()
            + f"\n\nCase: DMO/{self.seed}/{ref:08d}"
        )
        return title, body

    def _foi(self, ref: int, received: datetime, e: DemoEvent | None,
             group: int) -> tuple[str, str]:
        town = self._town_for(group)
        force = self._force_name(town)
        year = received.year - 1 if received.month < 4 else received.year
        total = self.between(4, 160)
        arrests = self.between(1, total + 1)
        charged = self.between(0, arrests + 1)
        g = self.groups[group]
        title = self.pick((f"FOI statistics: OCAG incidents, {force} {year}",
                            f"{force} figures on paedophile hunter groups, {year}"))
        body = (
            f"Figures released by {force} under the Freedom of Information Act show {total} "
            f"incidents in {year} in which an online child abuse activist group was involved, "
            f"{self.pick(('up from', 'down from', 'compared with'))} {self.between(2, 120)} "
            f"the year before. Of these, {arrests} led to a man being arrested and {charged} to "
            f"a charge. The force said {self.between(2, 15)} different groups had been active "
            f"in its area, including {g.name}, and that police resources were diverted to "
            f"{self.between(5, 300)} call-outs."
            + self._rare()
            + f"\n\nFOI reference: DMO/{self.seed}/{ref:08d}"
        )
        return title, body

    # -- one report ---------------------------------------------------------------------------

    def report(self, i: int) -> GeneratedReport:
        rng = self.rng
        seconds = self.span * (i + rng.random()) / self.n
        received = self.start_dt + timedelta(seconds=int(seconds))
        self.events_until(seconds)
        self.place = None
        kind = self.kinds[bisect(self.kind_cum, rng.random() * self.kind_cum[-1])]
        event = self._pick_event(received) if rng.random() < _STING_SHARE[kind] else None
        group = event.group if event is not None else self.between(0, len(self.groups))
        ref = self.first_index + i
        title, body = self.styles[kind](ref, received, event, group)
        grading_index = bisect(self.grade_cum, rng.random() * self.grade_cum[-1])
        visible: frozenset[Role] = frozenset()
        sanitised = None
        if rng.random() < 0.1:
            condition = self.between(0, len(N.CONDITIONS))
            grading = self.restricted.get((grading_index, condition))
            if grading is None:
                grading = _grading(_GRADE_WEIGHTS[grading_index][0], N.CONDITIONS[condition])
                self.restricted[(grading_index, condition)] = grading
            visible = self.pick(_VISIBLE)
            g = self.groups[group]
            sanitised = (f"Sanitised summary: intelligence concerning the group {g.name}. Source "
                         "details are withheld under the handling conditions.")
        else:
            grading = self.grades[grading_index]
        legacy = self.pick(self.legacy) if rng.random() < 0.15 else None
        if event is not None:
            force = event.force
            occurred = event.occurred_at.date()
        else:
            force = self.place.force if self.place is not None else self.groups[group].force
            occurred = (received - timedelta(days=self.between(0, 21))).date()
        day = received.date()
        review = self.reviews.get(day)
        if review is None:
            review = self.reviews[day] = review_date_after(day, REVIEW_YEARS)
        report = Report(
            title=title[:300],
            body=body,
            received_at=received,
            source_kind=kind,
            grading=grading,
            legacy_grading=legacy,
            visible_to=visible,
            sanitised_text=sanitised,
            review_date=review,
            force=force,
            occurred_on=min(occurred, day),
            content_hash=content_hash(title, body),
        )
        return GeneratedReport(report, event, group, event.town if event else self.place)

    def remaining_events(self) -> list[DemoEvent]:
        """Events planned after the last report's time (so the loader gets them all)."""
        return self.events_until(float("inf"))


def default_events(n: int) -> int:
    """How many stings a stream of ``n`` reports tells of, unless told otherwise."""
    return max(1, n * 3 // 20)


def generate_detailed(
    n: int,
    seed: int = 0,
    *,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
    events: int | None = None,
    first_index: int = 0,
    on_event: Callable[[DemoEvent], None] | None = None,
) -> Iterator[GeneratedReport]:
    """Like :func:`generate_reports`, with the event and group each report tells of.

    ``on_event`` is called with every event as it is planned, including those after the last report.
    """
    writer = _Writer(n, seed, start, end, default_events(n) if events is None else events,
                     first_index, on_event)
    for i in range(n):
        yield writer.report(i)
    if on_event is not None:
        writer.remaining_events()


def generate_reports(
    n: int,
    seed: int = 0,
    *,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
    first_index: int = 0,
) -> Iterator[Report]:
    """Stream ``n`` invented graded reports, deterministic for ``seed``, received in date order.

    Each report has a unique body (its reference number ``DMO/<seed>/<index>``) and its
    ``content_hash``; ``first_index`` shifts the reference numbers so that a second batch with the
    same seed can be added to a database that already holds the first.
    """
    for item in generate_detailed(n, seed, start=start, end=end, first_index=first_index):
        yield item.report
