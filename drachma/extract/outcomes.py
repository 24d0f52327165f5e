"""OUTCOME mentions: what the text says happened to people, with fixed labels.

Labels: arrested, in custody, released under investigation, released on bail, not charged,
charged, indicted, appeared in court, pleaded guilty, pleaded not guilty, convicted, acquitted,
awaiting sentence, jailed / jailed N months / jailed N years, suspended sentence, community order,
curfew, good behaviour bond, sexual harm prevention order, sex offenders register, remanded in
custody, charge dropped, evidence ruled inadmissible, fled, wrongly accused, assaulted, died,
suicide, lost job. ``attributes["months"]``/``["for_months"]`` carry sentence lengths and
``attributes["person"]`` the person it applies to where the text names them. Hypotheticals ("could
be arrested") and national statistics ("44 per cent of prosecutions") are not outcomes."""

from __future__ import annotations

import re

from drachma.extract.common import Context, finditer_windows, register_triggers, word_windows
from drachma.model.mention import MentionType

W = r"\s+"
NUMWORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "eighteen": 18,
    "twenty": 20,
    "thirty": 30,
    "a": 1,
    "an": 1,
}
_NUM = (
    r"\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen"
    r"|twenty|thirty|a|an"
)
_COUNTER = iter(range(1000))


def _number() -> str:
    return rf"(?P<num{next(_COUNTER)}>{_NUM})"


def _unit() -> str:
    return rf"(?P<unit{next(_COUNTER)}>months?|years?|weeks?)"


def _termrx() -> str:
    return rf"{_number()}(?:{W}and{W}a{W}half)?(?:{W}|-){_unit()}"


TRIGGERS: dict[str, tuple[str, ...]] = {
    "suspended sentence": ("suspended",),
    "jailed": ("jailed", "jail", "imprisoned", "locked", "prison", "sentenced", "custodial"),
    "community order": ("community",),
    "curfew": ("curfew",),
    "good behaviour bond": ("behaviour", "behavior"),
    "sexual harm prevention order": ("prevention", "shpo"),
    "sex offenders register": ("register", "registry"),
    "remanded in custody": ("remanded",),
    "released on bail": ("bail", "bailed"),
    "released under investigation": ("released",),
    "not charged": ("charged", "action", "charge", "charges", "prosecuted", "face"),
    "charge dropped": ("dropped", "withdrawn", "discontinued", "collapsed"),
    "evidence ruled inadmissible": ("inadmissible", "thrown", "excluded", "ruled"),
    "charged": ("charged",),
    "indicted": ("indicted",),
    "appeared in court": ("appeared", "appearing", "appears", "appear"),
    "pleaded not guilty": ("guilty", "denied", "denies"),
    "pleaded guilty": ("guilty", "admitted", "admits", "plea", "pleas"),
    "acquitted": ("acquitted", "guilty", "cleared"),
    "convicted": ("convicted", "convict", "guilty"),
    "awaiting sentence": ("sentence", "sentenced", "sentencing", "awaiting", "awaits"),
    "in custody": ("custody", "jail", "prison", "gaol"),
    "arrested": ("arrested", "arrest", "detained", "custody"),
    "fled": ("fled", "absconded", "run"),
    "wrongly accused": (
        "wrongly",
        "wrongfully",
        "falsely",
        "mistakenly",
        "mistaken",
        "innocent",
        "wrong",
    ),
    "assaulted": (
        "assaulted",
        "attacked",
        "beaten",
        "beat",
        "punched",
        "kicked",
        "stabbed",
        "violence",
        "injuries",
    ),
    "suicide": ("suicide", "life", "lives", "killed"),
    "died": ("died", "passed", "life", "killed", "dead"),
    "lost job": ("job", "jobs", "sacked", "fired", "dismissed", "suspended"),
}
register_triggers(*TRIGGERS.values())
RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "suspended sentence",
        re.compile(
            rf"\bsuspended{W}(?:prison{W}|jail{W})?sentence|\b(?:sentence|term|months|years){W}"
            rf"(?:\w+{W}){{0,3}}suspended{W}for\b|\bsuspended{W}for{W}{_number()}{W}{_unit()}"
        ),
    ),
    (
        "jailed",
        re.compile(
            rf"\b(?:jailed|imprisoned|locked{W}up|sent{W}to{W}(?:prison|jail))(?:{W}(?:\w+{W}){{0,4}}?"
            rf"for{W}{_termrx()})?|\bsentenced{W}to{W}{_termrx()}(?:{W}(?:in{W}(?:prison|jail)|imprisonment|"
            rf"behind{W}bars|custody)|(?![\w\s,]{{0,30}}(?:suspend|probation|community|order)))|\b{_termrx()}{W}(?:prison|jail|custodial){W}(?:sentence|term)|"
            rf"\bgiven{W}(?:an?{W})?{_termrx()}(?:{W}(?:prison|jail|custodial))?{W}(?:sentence|term)"
        ),
    ),
    ("community order", re.compile(rf"\bcommunity{W}(?:order|service|payback)")),
    ("curfew", re.compile(r"\bcurfew\b")),
    ("good behaviour bond", re.compile(rf"\bgood{W}behaviou?r{W}bond")),
    (
        "sexual harm prevention order",
        re.compile(
            rf"\bsexual{W}harm{W}prevention{W}order|\bshpo\b|\bsexual{W}offences?{W}prevention{W}order"
        ),
    ),
    (
        "sex offenders register",
        re.compile(
            rf"\bsex(?:ual)?{W}offenders?['’]?{W}regist(?:er|ry)|\bplaced{W}on{W}the{W}register"
        ),
    ),
    (
        "remanded in custody",
        re.compile(rf"\bremanded{W}(?:in|into){W}custody|\bremanded\b(?!{W}on{W}bail)"),
    ),
    (
        "released on bail",
        re.compile(
            rf"\breleased{W}on{W}(?:conditional{W}|police{W}|pre-charge{W})?bail|\b(?:was|were|been|has{W}been){W}bailed|"
            rf"\bremanded{W}on{W}bail|\bgranted{W}bail"
        ),
    ),
    (
        "released under investigation",
        re.compile(
            rf"\breleased{W}under{W}investigation|\breleased{W}pending{W}(?:further{W})?"
            rf"(?:enquiries|inquiries|investigation)|\breleased{W}from{W}custody,?{W}but{W}remain{W}suspects"
        ),
    ),
    (
        "not charged",
        re.compile(
            rf"\b(?:has|have|had|was|were|will|would)(?:{W}not|n['’]t)(?:{W}yet)?{W}(?:been{W}|be{W})?charged|"
            rf"\bno{W}further{W}action|\breleased{W}without{W}charge|\bno{W}charges{W}(?:were|have{W}been|"
            rf"will{W}be)\b|\bwill{W}not{W}(?:be{W})?(?:face|prosecut)"
        ),
    ),
    (
        "charge dropped",
        re.compile(
            rf"\bcharges?{W}(?:\w+{W}){{0,3}}?(?:was|were|have{W}been|has{W}been|had{W}been){W}"
            rf"(?:dropped|withdrawn|discontinued)|\bdropped{W}(?:the|all){W}charges?|\bcase{W}"
            rf"(?:\w+{W}){{0,6}}?collapsed"
        ),
    ),
    (
        "evidence ruled inadmissible",
        re.compile(
            rf"\binadmissible\b|\bevidence{W}(?:\w+{W}){{0,5}}?(?:thrown{W}out|excluded|ruled{W}out)"
        ),
    ),
    (
        "charged",
        re.compile(
            rf"\b(?:was|were|been|being|is|are|got|and|later|subsequently|since|then|has{W}been)"
            rf"{W}charged\b|\bcharged{W}with\b"
        ),
    ),
    ("indicted", re.compile(r"\bindicted\b")),
    (
        "appeared in court",
        re.compile(
            rf"\b(?:appeared|appearing|appears|appear){W}(?:\w+{W}){{0,2}}?(?:in|at|before){W}"
            rf"(?:court|the{W}\w+|\w+{W}(?:crown|magistrates['’]?|sheriff|youth|district|supreme|provincial|superior|county)|"
            rf"[a-z]\w+{W}(?:crown|magistrates['’]?|sheriff|youth|district|supreme|provincial|superior|county))"
        ),
    ),
    (
        "pleaded not guilty",
        re.compile(
            rf"\b(?:pleaded|pleads|pled|plead|entered{W}(?:a{W})?pleas?{W}of){W}not{W}guilty|"
            rf"\bdenie[sd]{W}(?:the|all|a|any)?{W}?(?:charges?|offences?|counts?)"
        ),
    ),
    (
        "pleaded guilty",
        re.compile(
            rf"\b(?:pleaded|pleads|pled|plead|admitted|admits|entered{W}(?:a{W})?guilty{W}pleas?)"
            rf"(?:{W}guilty|{W}(?:one|two|three|four|five|six|a|an|\d+){W}(?:counts?|charges?|offences?))|"
            rf"\bguilty{W}pleas?\b|"
            # "admitted attempting to meet a child", "admitted the charges"
            rf"\badmit(?:ted|s){W}(?:attempting|attempted|meeting|engaging|causing|inciting|"
            rf"arranging|possessing|making|distributing|sending|sexual|(?:the{W})?(?:charges?|"
            rf"offences?|counts?))\b"
        ),
    ),
    (
        "acquitted",
        re.compile(rf"\bacquitted\b|\bfound{W}not{W}guilty|\bcleared{W}(?:of|by{W}a{W}jury)"),
    ),
    (
        "convicted",
        re.compile(
            rf"\bconvicted\b(?!{W}(?:sex{W}offenders?|paedophiles?|criminals?))|\bfound{W}guilty|"
            rf"\b(?:helped|help|to|helping){W}convict\b|\bguilty{W}verdict"
        ),
    ),
    (
        "awaiting sentence",
        re.compile(
            rf"\bawait(?:ing|s)?{W}sentenc|\bfacing{W}sentencing|\b(?:due|expected|set|will){W}"
            rf"(?:to{W})?be{W}sentenced|\bfor{W}sentencing\b|\bsentencing{W}(?:was|has{W}been|is){W}"
            rf"(?:adjourned|deferred|set)|\bwill{W}be{W}sentenced|\bsentence{W}(?:was|has{W}been|is)"
            rf"{W}deferred|\bdeferred{W}(?:the{W})?sentence"
        ),
    ),
    (
        "in custody",
        re.compile(
            rf"\b(?:remains?|held|kept|detained|is|was){W}in{W}custody|\b(?:held|remains?|being{W}"
            rf"held|detained){W}(?:at|in){W}(?:the{W})?(?:[\w'’\-]+{W}){{0,3}}?(?:jail|prison|gaol)\b"
        ),
    ),
    (
        "arrested",
        re.compile(
            rf"\b(?:was|were|been|being|got|and|later|subsequently|then|had|has|have|"
            rf"police|officers|who){W}(?:\w+{W})?arrested\b|\barrested{W}(?:on{W}suspicion|him|her|them|"
            rf"a|an|the|all|five|two|three|four|six|\w+{W}men)\b|\b(?:was|were){W}(?:taken{W}into{W}"
            rf"custody|detained)|\b(?:his|her|their){W}arrest\b|\b(?<!citizen['’]s )(?<!citizens["
            rf"'’] )under{W}arrest\b"
        ),
    ),
    (
        "fled",
        re.compile(
            rf"\b(?:fled{W}(?:the{W}(?:scene|country|area)|abroad)|absconded|went{W}on{W}the{W}run)"
        ),
    ),
    (
        "wrongly accused",
        re.compile(
            rf"\b(?:wrongly|wrongfully|falsely|mistakenly){W}(?:accused|identified|targeted|named|"
            rf"shamed|shaming|branded|labelled|labeled|exposed)|\binnocent{W}(?:man|woman|civilian|person|"
            rf"father|dad)|\bmistaken{W}(?:identity|for)|\bwrong{W}(?:person|man|guy)\b"
        ),
    ),
    (
        "assaulted",
        re.compile(
            rf"\b(?:was|were|been|being|got){W}(?:\w+{W})?(?:assaulted|attacked|beaten|punched|kicked|"
            rf"stabbed)|\b(?:assaulted|attacked|beat|punched|kicked){W}(?:him|her|them|the{W}man|a{W}man)|"
            rf"\bviolence{W}against{W}(?:him|her|the|a)\b|\bsustained{W}(?:\w+{W})?injuries"
        ),
    ),
    (
        "suicide",
        re.compile(
            rf"\b(?:committed{W}suicide|took{W}(?:his|her|their){W}own{W}li(?:fe|ves)|killed{W}"
            rf"(?:himself|herself)|suicide)\b"
        ),
    ),
    (
        "died",
        re.compile(
            rf"\b(?:died|passed{W}away|lost{W}(?:his|her){W}life|was{W}killed|were{W}killed|"
            rf"found{W}dead)\b"
        ),
    ),
    (
        "lost job",
        re.compile(
            rf"\b(?:lost{W}(?:his|her|their){W}jobs?|sacked|fired{W}from|dismissed{W}from|"
            rf"suspended{W}from{W}(?:work|(?:his|her){W}job))\b"
        ),
    ),
]
HYPOTHETICAL_RE = re.compile(
    rf"\b(?:could|may|might|would|should|can|risk|risking|if|unless|whether|not{W}to|"
    rf"face|faces|facing|avoid|due|expected|scheduled)(?:{W}(?:\w+)){{0,2}}{W}?$"
)
NEGATION_RE = re.compile(rf"\b(?:none|no{W}one|nobody|never|neither)\b[^.]*$")
STATISTIC_RE = re.compile(r"\bper[ \u00a0]?cent\b|%|\bproportion\b|\bfigures?\b|\bstatistics\b")


def _term(m: re.Match[str]) -> str | None:
    gd = m.groupdict()
    num = next((v for k, v in gd.items() if k.startswith("num") and v), None)
    unit = next((v for k, v in gd.items() if k.startswith("unit") and v), None)
    if not num or not unit:
        return None
    n = int(num) if num.isdigit() else NUMWORDS.get(num.lower())
    if n is None:
        return None
    unit = unit.lower().rstrip("s")
    if "and a half" in m.group().lower():
        if unit == "year":
            return f"{n * 12 + 6} months"
        return None
    return f"{n} {unit}s" if n != 1 else f"{n} {unit}"


def extract_outcomes(ctx: Context) -> None:
    low = ctx.low
    people = sorted(ctx.of_type(MentionType.PERSON), key=lambda p: p.start)
    taken: list[tuple[int, int]] = []
    present = ctx.triggers.keys()
    for label, rx in RULES:
        if present.isdisjoint(TRIGGERS[label]):
            continue
        windows = word_windows(ctx, TRIGGERS[label], 50, 70)
        if not windows:
            continue
        for m in finditer_windows(rx, low, windows):
            s, e = m.start(), m.end()
            if any(s < e2 and s2 < e for s2, e2 in taken):
                continue
            sent_s, _ = ctx.sentence(s)
            pre = low[max(sent_s, s - 40) : s]
            if label not in ("wrongly accused", "not charged", "died", "suicide") and (
                HYPOTHETICAL_RE.search(pre)
            ):
                continue
            if label in ("charged", "arrested", "convicted") and (
                NEGATION_RE.search(low, sent_s, s) or pre.rstrip().endswith(" not")
            ):
                continue
            sent_e = ctx.sentence(s)[1]
            if STATISTIC_RE.search(low, sent_s, sent_e) and label not in ("wrongly accused",):
                continue
            value = label
            attrs: dict[str, str] = {}
            if label == "jailed":
                term = _term(m)
                if term:
                    value = f"jailed {term}"
                    n, unit = term.split()
                    attrs["months"] = str(int(n) * 12 if unit.startswith("year") else int(n))
            elif label == "suspended sentence":
                term = _term(m)
                if term:
                    attrs["for_months"] = term
            subj = [p for p in people if sent_s <= p.start < s]
            if subj:
                attrs["person"] = subj[-1].value
            taken.append((s, e))
            ctx.add(MentionType.OUTCOME, s, e, value, 0.8, attrs, claim=False)
