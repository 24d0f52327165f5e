"""Drachma: police-side intelligence, safeguarding and evidence about online child abuse
activist groups (OCAGs)."""

__version__ = "0.1.0"
