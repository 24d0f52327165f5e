"""OFFENCE mentions: named offences and statute sections ("meeting a child following sexual
grooming", "s.15A", "section 10 of the Sexual Offences Act 2003")."""

from __future__ import annotations

import re

from drachma.extract.common import Context, finditer_windows, register_triggers, word_windows
from drachma.extract.rules import pattern
from drachma.model.mention import MentionType

W = r"\s+"
OFFENCES: list[tuple[str, str]] = [
    (
        "meeting a child following sexual grooming",
        rf"(?:attempt(?:ing|ed)?{W}to{W})?(?:meet(?:ing)?|arrang(?:e|ing){W}to{W}meet){W}(?:a{W})?"
        rf"(?:child|girl|boy|person{W}under{W}16)(?:{W}under{W}16(?:{W}years{W}of{W}age)?)?{W}"
        rf"following{W}(?:sexual{W})?grooming",
    ),
    (
        "sexual communication with a child",
        rf"(?:attempt(?:ing|ed)?{W}to{W})?engag(?:e|ing){W}in{W}sexual{W}communication{W}with{W}a{W}child",
    ),
    (
        "causing or inciting a child to engage in sexual activity",
        rf"(?:attempt(?:ing|ed)?{W}to{W})?(?:caus(?:e|ing)|incit(?:e|ing))(?:{W}or{W}incit(?:e|ing))?{W}"
        rf"a{W}(?:child|girl|boy)(?:{W}(?:under|aged){W}\d{{1,2}}(?:{W}to{W}\d{{1,2}})?)?{W}"
        rf"(?:in)?to{W}(?:engage{W}in{W})?sexual{W}activity",
    ),
    (
        "causing a child to watch a sexual act",
        rf"(?:attempt(?:ing|ed)?{W}to{W})?caus(?:e|ing){W}a{W}child(?:{W}aged{W}\d{{1,2}}{W}to{W}\d{{1,2}})?"
        rf"{W}to{W}(?:watch|look{W}at)(?:{W}or{W}look{W}at)?{W}(?:a{W}sexual{W}act|an{W}image{W}of{W}sexual{W}activity)",
    ),
    (
        "arranging or facilitating a child sex offence",
        rf"(?:attempt(?:ing|ed)?{W}to{W})?arrang(?:e|ing)(?:{W}or{W}facilitat(?:e|ing))?{W}(?:the{W})?"
        rf"commission{W}of{W}a{W}child{W}sex(?:ual)?{W}offence",
    ),
    ("grooming", rf"(?:child{W}|sexual{W})grooming(?!{W}(?:case|offence)s?)"),
    (
        "indecent images of children",
        rf"(?:making|possessing|possession{W}of|distributing|taking){W}(?:\w+{W})?indecent{W}"
        rf"(?:images|photographs|photos){W}of{W}(?:a{W})?child(?:ren)?",
    ),
    (
        "child solicitation",
        rf"child{W}solicitation|solicitation{W}of{W}a{W}minor|child{W}luring|luring{W}a{W}child",
    ),
    (
        "communicating with intent to procure a child",
        rf"communicating{W}with{W}intent{W}to{W}procure{W}a{W}(?:person|child)(?:{W}under{W}\d{{1,2}}{W}years)?",
    ),
    ("exposure", rf"indecent{W}exposure"),
    ("public violence", rf"public{W}violence"),
]
SECTION_RE = pattern("offences.section")
OFFENCE_RES = [re.compile(p) for _, p in OFFENCES]
# one or two whole words each offence's wording must contain, to find where to look
OFFENCE_TRIGGERS: list[tuple[tuple[str, ...], int, int]] = [
    (("following",), 130, 40),
    (("communication",), 80, 40),
    (("activity",), 140, 10),
    (("watch", "look"), 90, 60),
    (("commission",), 60, 40),
    (("grooming",), 20, 10),
    (("indecent",), 40, 60),
    (("solicitation", "luring"), 20, 30),
    (("procure",), 60, 60),
    (("exposure",), 20, 10),
    (("violence",), 20, 10),
]
register_triggers(*(t for t, _, _ in OFFENCE_TRIGGERS))


def extract_offences(ctx: Context) -> None:
    text, low = ctx.text, ctx.low
    found: list[tuple[int, int]] = []
    for idx, (rx, (trig, before, after)) in enumerate(
        zip(OFFENCE_RES, OFFENCE_TRIGGERS, strict=True)
    ):
        if ctx.triggers.keys().isdisjoint(trig):
            continue
        windows = word_windows(ctx, trig, before, after)
        if not windows:
            continue
        for m in finditer_windows(rx, low, windows):
            if any(m.start() < e and s < m.end() for s, e in found):
                continue
            found.append((m.start(), m.end()))
            attrs = {"attempt": "true"} if m.group().startswith("attempt") else {}
            ctx.add(
                MentionType.OFFENCE, m.start(), m.end(), OFFENCES[idx][0], 0.8, attrs, claim=False
            )
    if "s." not in low and "section" not in low:
        return
    for m in SECTION_RE.finditer(text):
        value = f"s.{m.group('sec')}"
        attrs = {"act": m.group("act")} if m.group("act") else {}
        ctx.add(MentionType.OFFENCE, m.start(), m.end(), value, 0.85, attrs, claim=False)
