"""Drachma: police-side intelligence, safeguarding and evidence for online child abuse activist groups."""

__version__ = "0.1.0"
