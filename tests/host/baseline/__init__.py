"""Tests of the host-half integrity baseline."""
