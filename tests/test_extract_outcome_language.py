"""Outcomes in the language of court reports, police statements and news (issue 12, third round).

Each sentence is invented (names too) and was written before the rules it checks were changed;
none comes from the evaluation corpus. A sentence stating one outcome must give that label (and,
for the court-report ones, only that label); general statements about what happens in such
cases give none."""

from __future__ import annotations

import pytest

from drachma.extract import Extractor, to_corpus_annotation


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _outcomes(extractor: Extractor, text: str) -> list[str]:
    return sorted(str(v) for v in to_corpus_annotation(extractor.extract(text), text)["outcomes"])


@pytest.mark.parametrize(
    ("label", "text"),
    [
        ("in custody", "Officers took him into custody at the scene."),
        ("in custody", "The 39-year-old was taken into custody outside the library."),
        ("in custody", "He was booked into the county jail on Friday night."),
        ("in custody", "Deputies booked Corbin Vale into the Sheldon County Jail."),
        ("in custody", "He has been in custody since March."),
        ("in custody", "He will appear in custody at the magistrates' court on Monday."),
        ("in custody", "He is being held at the county detention centre."),
        ("in custody", "He was lodged in a police cell overnight."),
        ("released on bail", "He was freed on bail until his next appearance."),
        ("released on bail", "He posted a $5,000 bond and was released."),
        ("released on bail", "He was released on a $10,000 bond."),
        ("released on bail", "He was given conditional bail to live at his mother's address."),
        (
            "released on bail",
            "He was released on conditions, including no contact with anyone under 18.",
        ),
        ("released on bail", "She was released on bail pending further inquiries."),
        ("released on bail", "He was granted conditional bail."),
        ("released on bail", "He was released on an undertaking to appear in court."),
        ("sex offenders register", "He was placed on the sex offender registry for 15 years."),
        (
            "sex offenders register",
            "He must comply with the Sex Offender Information Registration Act for 20 years.",
        ),
        ("sex offenders register", "He will be a registered sex offender for life."),
        (
            "sex offenders register",
            "He was ordered to comply with reporting obligations for eight years.",
        ),
        ("sex offenders register", "He will be placed on the child sex offender register."),
        ("charge dropped", "The charge was stayed by the Crown in April."),
        ("charge dropped", "Prosecutors stayed the charge against him."),
        ("charge dropped", "The procurator fiscal deserted the case."),
        ("charge dropped", "The charges were later withdrawn by the prosecution."),
        ("charge dropped", "The Crown stayed proceedings against him last month."),
        ("not charged", "The prosecution service decided he would not be prosecuted."),
        ("not charged", "Police said they would take no action against him."),
        ("not charged", "Officers said no charges would be laid."),
        ("not charged", "The Crown decided not to proceed against the man."),
        ("not charged", "Detectives concluded there was insufficient evidence to charge him."),
        ("pleaded guilty", "He admitted attempting to meet a child following sexual grooming."),
        ("pleaded guilty", "Cal Breen, 52, entered a guilty plea to one count of luring a child."),
        ("pleaded guilty", "He pleaded guilty at an earlier hearing."),
        ("pleaded guilty", "He changed his plea to guilty on the first day of trial."),
        ("pleaded guilty", "He pled guilty to attempted online solicitation of a minor."),
        ("remanded in custody", "He was remanded in custody to appear at Crown Court next month."),
        ("remanded in custody", "Magistrates remanded him to appear at the Crown Court."),
        ("remanded in custody", "He was held on remand at HMP Durham."),
        ("remanded in custody", "He was denied bail and will remain in custody until his trial."),
        ("fled", "He fled to Spain before the hearing."),
        ("fled", "The man fled before officers arrived."),
        ("fled", "He left the country before he could be charged."),
        ("lost job", "His employer let him go after the video was shared."),
        ("lost job", "He was dismissed by the council after the video appeared online."),
        ("lost job", "He resigned from his post as a school governor."),
        ("lost job", "He lost his job as a bus driver."),
        ("lost job", "The supermarket terminated his employment."),
        (
            "released under investigation",
            "He has been released under investigation while his devices are examined.",
        ),
        ("released under investigation", "He was released pending further investigation."),
        ("released under investigation", "He was released while inquiries continue."),
        ("suspended sentence", "He was jailed for 12 months, suspended for 18 months."),
        ("suspended sentence", "He received a 16-month sentence suspended for two years."),
        ("suspended sentence", "He was given a suspended jail term."),
        ("suspended sentence", "He was handed a two-year term of imprisonment, wholly suspended."),
        ("assaulted", "The man was set upon by a crowd after the video went live."),
        ("assaulted", "He was left bloodied after being punched repeatedly."),
        ("assaulted", "Members of the group dragged him from his car and beat him."),
        ("assaulted", "He was taken to hospital with facial injuries."),
        ("assaulted", "The hunters kicked and punched the man."),
        # court-report shapes with the person between the verb and the bail, plea participles,
        # registers named by their country or tier
        ("released on bail", "The magistrate released Aubrey Lane on bail until the next hearing."),
        ("released on bail", "The judge granted Selwyn Ratter conditional bail."),
        ("released on bail", "As a condition of bail he must live at his brother's address."),
        ("pleaded guilty", "Noll Garth was sentenced after earlier pleading guilty to grooming."),
        ("remanded in custody", "His lawyer said he had been threatened while on remand."),
        ("sex offenders register", "The judge ordered him to register as a Level 2 sex offender."),
        ("sex offenders register", "He was ordered to be registered as a sex offender."),
        ("sex offenders register", "His name goes on the national child sex offender register."),
        ("sex offenders register", "He was placed on the child protection offender register."),
        ("convicted", "A jury found him guilty of attempting to meet a child."),
        ("convicted", "He was found guilty after a three-day trial."),
        ("convicted", "Jurors convicted him of sexual communication with a child."),
    ],
)
def test_one_outcome_in_the_language_of_reporting(
    extractor: Extractor, label: str, text: str
) -> None:
    assert _outcomes(extractor, text) == [label]


@pytest.mark.parametrize(
    "text",
    [
        "Men confronted by such groups are usually taken into custody within the hour.",
        "In many cases the suspect is released on bail while his phone is examined.",
        "Those convicted of such offences must normally sign the sex offenders register.",
        "Such prosecutions often collapse when the evidence was gathered by vigilantes.",
        "Charges are sometimes dropped when the decoy's logs are incomplete.",
        "A man caught this way typically loses his job within weeks.",
        "Offenders can be placed on the register for life.",
        "Police warned that people who attack suspects will be arrested.",
        "The group has been accused of putting innocent people at risk.",
    ],
)
def test_general_statements_are_not_outcomes(extractor: Extractor, text: str) -> None:
    assert _outcomes(extractor, text) == []


@pytest.mark.parametrize(
    ("label", "text"),
    [
        (
            "released on bail",
            "Judge Ann Fell adjourned sentencing until May and released Corran on bail.",
        ),
        ("charge dropped", "Prosecutors have stayed a child-luring charge against the man."),
        (
            "released under investigation",
            "Police arrested him and released him under investigation the same night.",
        ),
        ("not charged", "The man, who was wrongly named, was not prosecuted."),
    ],
)
def test_an_outcome_among_others(extractor: Extractor, label: str, text: str) -> None:
    """The month "May" is not the modal "may"; a person between "released" and "under
    investigation"; a described charge stayed; "not prosecuted"."""
    assert label in _outcomes(extractor, text)
