"""The picture: counts, trends, hotspots, FOI answers, charts, maps and group profiles.

Every function takes ``(store, actor, ...)`` and counts only what the actor may see (the same
visibility rules as search: a handling-code-C report is counted only for the roles allowed to
read it). Counting happens in SQL (``drachma/store/analytics.py``); see ``docs/analytics.md``
for exactly what each figure counts.
"""
