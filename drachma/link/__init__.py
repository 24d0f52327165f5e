"""Linking what was read to what is already known: mentions, their review, groups and aliases."""
