"""Invented demo data: groups, people, reports, incidents, investigations; deterministic per seed.

Every person and group generated here is invented; places and police forces are real (from
:mod:`drachma.gazetteers`).
"""

from drachma.demo.generate import (
    DemoEvent,
    DemoGroup,
    GeneratedReport,
    demo_groups,
    generate_detailed,
    generate_reports,
)
from drachma.demo.names import COMMON_WORDS, RARE_WORDS

__all__ = [
    "COMMON_WORDS",
    "RARE_WORDS",
    "DemoEvent",
    "DemoGroup",
    "GeneratedReport",
    "demo_groups",
    "generate_detailed",
    "generate_reports",
]
