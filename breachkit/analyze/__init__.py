"""Analyses: read a source or the case tables, produce findings."""
