"""Tests of breachkit.host, the standard-library half that runs on the suspect host."""
