"""Tests of package verification, trusted .deb archives, the rpm reader and the integrity commands."""
