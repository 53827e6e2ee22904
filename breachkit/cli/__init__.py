"""The command-line layer: parse arguments, call the library, render results.

No analysis lives here. Each sub-command module exposes ``register(subparsers)``
and is listed once in :data:`breachkit.cli.main.COMMAND_MODULES`.
"""
