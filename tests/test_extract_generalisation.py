"""Generalisation: invented articles in the styles such news is written (UK local news about a
Facebook Live confrontation, court reports, a police statement, a Scottish court report, a US local
TV item, an Australian item, a Welsh wrongful-accusation story, a Northern Irish court report).
Group names and people are invented; places and forces are real. Each is checked field by field
against what a careful analyst would extract (the shared corpus's annotation shape)."""

from __future__ import annotations

from datetime import date

import pytest

from drachma.extract import Extractor, to_corpus_annotation

ARTICLES = {
    "uk_live": (
        """Man confronted by vigilantes on Facebook Live in Doncaster

A 39-year-old man was arrested after a paedophile hunter group confronted him outside a
McDonald's in Doncaster on Saturday night.

The group, Northern Lantern Watch, said it had posed online as a 13-year-old girl on Snapchat for
three weeks before arranging the meeting. The confrontation was streamed on Facebook Live and has
been viewed more than 40,000 times.

South Yorkshire Police confirmed a man had been arrested on suspicion of attempting to meet a child
following sexual grooming. He has been released under investigation.

A spokeswoman for Northern Lantern Watch, who gave her name only as Kerry, said the group had
handed its evidence to officers.
""",
        {
            "groups": ["Northern Lantern Watch"],
            "police_forces": ["South Yorkshire Police"],
            "places": ["Doncaster"],
            "platforms": ["Facebook Live", "Snapchat"],
            "subject_ages": [39],
            "decoy_ages": [13],
            "outcomes": ["arrested", "released under investigation"],
            "people": ["Kerry"],
            "dates": [],
        },
    ),
    "uk_court": (
        """Grandfather jailed after online sting

A grandfather who sent sexual messages to what he believed was a 14-year-old girl has been jailed
for two years.

Terence Ollerton, 61, of Bramley Avenue, Stockport, admitted attempting to engage in sexual
communication with a child when he appeared at Manchester Crown Court on 3 October 2022.

He had been exposed by the online group Guardian Owl Decoys, whose members posed as the girl on
WhatsApp and Kik. Greater Manchester Police arrested him at his home in July 2022.

Judge Helena Marchbank told Ollerton his messages were "deeply disturbing". He was also made
subject to a sexual harm prevention order and will be on the sex offenders register for ten years.
""",
        {
            "groups": ["Guardian Owl Decoys"],
            "police_forces": ["Greater Manchester Police"],
            "places": ["Bramley Avenue", "Stockport"],
            "platforms": ["WhatsApp", "Kik"],
            "subject_ages": [61],
            "decoy_ages": [14],
            "outcomes": [
                "jailed 2 years",
                "pleaded guilty",
                "appeared in court",
                "arrested",
                "sexual harm prevention order",
                "sex offenders register",
            ],
            "people": ["Terence Ollerton", "Helena Marchbank"],
            "dates": ["3 October 2022", "July 2022"],
        },
    ),
    "police_statement": (
        """Statement on a vigilante confrontation

Lincolnshire Police is aware of a video circulating on social media showing a man being
confronted in Boston town centre on Tuesday.

Detective Inspector Marcus Fenwick said: "We understand the strength of feeling, but we urge
groups not to take matters into their own hands. Confrontations like this can put people at risk
and jeopardise investigations."

A 52-year-old man from Spalding was arrested and has since been released on bail pending further
enquiries. The group involved, which calls itself Silver Arrow Justice, has been asked to share
its material with officers.
""",
        {
            "groups": ["Silver Arrow Justice"],
            "police_forces": ["Lincolnshire Police"],
            "places": ["Boston", "Spalding"],
            "platforms": [],
            "subject_ages": [52],
            "decoy_ages": [],
            "outcomes": ["arrested", "released on bail"],
            "people": ["Marcus Fenwick"],
            "dates": [],
        },
    ),
    "scotland": (
        """Man admits trying to meet girl after vigilante sting

A man who arranged to meet a girl he thought was 12 has admitted the offence at Paisley Sheriff
Court.

Graham Dunleavy, 45, from Renfrew, was snared by the group Tartan Shield Hunters after chatting
with a decoy profile on Facebook Messenger in March 2021.

Police Scotland officers arrested him after the group confronted him at Paisley Gilmour Street
station. Sheriff Fiona McQuarrie deferred sentence for background reports and placed Dunleavy on
the sex offenders register.
""",
        {
            "groups": ["Tartan Shield Hunters"],
            "police_forces": ["Police Scotland"],
            "places": ["Renfrew", "Paisley Gilmour Street station"],
            "platforms": ["Facebook Messenger"],
            "subject_ages": [45],
            "decoy_ages": [12],
            "outcomes": [
                "pleaded guilty",
                "arrested",
                "awaiting sentence",
                "sex offenders register",
            ],
            "people": ["Graham Dunleavy", "Fiona McQuarrie"],
            "dates": ["March 2021"],
        },
    ),
    "us_tv": (
        """DAYTON, Ohio (WXYZ) — A 28-year-old man is facing charges after a group that
poses as children online confronted him at a Dayton park, police said.

The group, which calls itself Buckeye Predator Patrol, said the man believed he was meeting a
15-year-old boy he had chatted with on Grindr. Members streamed the encounter on Facebook Live.

Dayton police said Kyle Brantley, 28, was arrested Thursday and charged with importuning and
attempted unlawful sexual conduct with a minor. He is being held at the Montgomery County Jail.

Police spokesman Lt. Dana Whitcomb said officers discourage citizens from conducting their own
stings.
""",
        {
            "groups": ["Buckeye Predator Patrol"],
            "police_forces": ["Dayton police"],
            # a named jail is a venue (issue 12, third round: the invented yardstick's annotation)
            "places": ["DAYTON", "Ohio", "Dayton", "Montgomery County Jail"],
            "platforms": ["Grindr", "Facebook Live"],
            "subject_ages": [28],
            "decoy_ages": [15],
            "outcomes": ["arrested", "charged", "in custody"],
            "people": ["Kyle Brantley", "Dana Whitcomb"],
            "dates": [],
        },
    ),
    "australia": (
        """A Queensland man has been charged after a vigilante group posing as a
13-year-old girl filmed him at a Gold Coast shopping centre.

The group, Southern Cross Child Shield, said the 33-year-old from Southport had messaged the decoy
on Instagram for weeks. Queensland Police arrested him on February 4.

He was charged with using a carriage service to procure a child and is due to appear in Southport
Magistrates Court next month. Detective Senior Sergeant Rhys Calloway warned vigilante groups
could compromise investigations.
""",
        {
            "groups": ["Southern Cross Child Shield"],
            "police_forces": ["Queensland Police"],
            "places": ["Queensland", "Gold Coast", "Southport"],
            "platforms": ["Instagram"],
            "subject_ages": [33],
            "decoy_ages": [13],
            "outcomes": ["charged", "arrested"],
            "people": ["Rhys Calloway"],
            "dates": ["February 4"],
        },
    ),
    "wales_wrong": (
        """Hunter group apologises after targeting wrong man in Swansea

An online vigilante group has apologised after accusing an innocent man of being a paedophile
during a confrontation in Swansea.

Members of Red Kite Exposure filmed the 24-year-old outside his flat on Mansel Street last week.
South Wales Police said the man was not the person the group had been talking to and that no
further action would be taken. He was later assaulted by a passer-by who had watched the video.

The group's founder, Leanne Prothero, said: "We got it wrong and we are sorry."
""",
        {
            "groups": ["Red Kite Exposure"],
            "police_forces": ["South Wales Police"],
            "places": ["Swansea", "Mansel Street"],
            "platforms": [],
            "subject_ages": [24],
            "decoy_ages": [],
            "outcomes": ["wrongly accused", "not charged", "assaulted"],
            "people": ["Leanne Prothero"],
            "dates": [],
        },
    ),
    "ni_court": (
        """A County Antrim man who was caught by an online child protection group has been
given a suspended sentence.

Declan Mulvenna, 37, of Ballymena, was handed a 10-month prison sentence suspended for two years
at Antrim Crown Court on Friday. He had pleaded guilty to attempting to meet a child following
sexual grooming.

The court heard that members of Causeway Child Watch had posed as a 14-year-old girl on Facebook.
The PSNI arrested Mulvenna in December 2020.
""",
        {
            "groups": ["Causeway Child Watch"],
            "police_forces": ["PSNI"],
            "places": ["County Antrim", "Ballymena"],
            "platforms": ["Facebook"],
            "subject_ages": [37],
            "decoy_ages": [14],
            "outcomes": ["suspended sentence", "pleaded guilty", "arrested"],
            "people": ["Declan Mulvenna"],
            "dates": ["December 2020"],
        },
    ),
}

# (article, field): known gaps, kept visible rather than hidden
KNOWN_GAPS = {
    ("scotland", "places"): "a lower-case 'station' is left out of the venue's name",
}
REPORT_DATE = date(2023, 5, 10)


def _norm(v: object) -> object:
    if isinstance(v, int):
        return v
    s = str(v).lower().strip(" .,\"'")
    return s[4:] if s.startswith("the ") else s


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


CASES = [
    pytest.param(
        name,
        field,
        marks=[pytest.mark.xfail(reason=KNOWN_GAPS[(name, field)], strict=False)]
        if (name, field) in KNOWN_GAPS
        else [],
        id=f"{name}-{field}",
    )
    for name, (_, gold) in ARTICLES.items()
    for field in gold
]


@pytest.mark.parametrize(("name", "field"), CASES)
def test_article_field(extractor: Extractor, name: str, field: str) -> None:
    text, gold = ARTICLES[name]
    ann = to_corpus_annotation(extractor.extract(text, REPORT_DATE), text)
    assert {_norm(v) for v in ann[field]} == {_norm(v) for v in gold[field]}


def test_overall_f1_on_invented_articles(extractor: Extractor) -> None:
    hits = false = missed = 0
    for text, gold in ARTICLES.values():
        ann = to_corpus_annotation(extractor.extract(text, REPORT_DATE), text)
        for field, want in gold.items():
            p, g = {_norm(v) for v in ann[field]}, {_norm(v) for v in want}
            hits += len(p & g)
            false += len(p - g)
            missed += len(g - p)
    f1 = 2 * hits / (2 * hits + false + missed)
    assert f1 >= 0.9
