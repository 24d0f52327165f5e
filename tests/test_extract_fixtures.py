"""Invented report texts used by the extraction tests (names and groups are made up; places and
forces are real UK ones, which is fine)."""

COURT_REPORT = """Man jailed after vigilante sting in Swindon

A 47-year-old man who travelled to meet what he thought was a 13-year-old girl has been jailed.

Darren Holloway, 47, of Marlow Road, Swindon, was confronted by members of a group called
Kestrel Child Guardians outside a supermarket in August last year.

The group, which runs a Facebook page, had posed as a 13-year-old on Snapchat and WhatsApp for six
weeks. He was arrested by Wiltshire Police and later charged with attempting to meet a child
following sexual grooming, contrary to s.15A of the Sexual Offences Act 2003.

Holloway pleaded guilty at Swindon Crown Court on 14 March 2019 and was jailed for 18 months.
Judge Rowena Pike told him he had posed a real risk to children. He was also placed on the sex
offenders register for ten years.

Det Sgt Alan Brierley of Wiltshire Police said officers worked with the group but warned
against confrontations. A spokesman for Kestrel Child Guardians, who gave his name only as
Gareth, said the decoy had been "relentless".
"""

NEWS_DATELINE = """LEEDS — A paedophile hunter group has apologised after wrongly accusing a father.

The group, Silent Harbour Watch, streamed the confrontation on Facebook Live on Wednesday evening.
West Yorkshire Police said the man had done nothing wrong and was released without charge.

Figures show 146 reports of vigilante groups in 2017 and 2018, and 44 per cent of prosecutions
for grooming now use evidence from such groups.
"""

CANADA_REPORT = """CALGARY, Alta. — A Calgary man was charged after a decoy-style sting.

Members of the Bow River Predator Patrol posed online as a 14-year-old girl on Kik and arranged to
meet the 52-year-old man at a coffee shop. Calgary police said he was arrested on September 3.
Staff Sgt Kelly Dunmore said the RCMP had been told about the group.
"""

RELATIVE_DATES = """Police arrested a man last week after a sting on Tuesday night.
The group said it began talking to him in September last year and again two months ago.
"""

ALL = [COURT_REPORT, NEWS_DATELINE, CANADA_REPORT, RELATIVE_DATES]
