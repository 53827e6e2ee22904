"""The incidents the demo host can tell, by name (``breachkit demo --scenario NAME``).

* ``upload`` (:mod:`.upload`, the default): a webshell posted through the shop's
  unprotected upload form on a Saturday night; a DoS bot, a crontab, a
  timestomped backdoor; nothing wiped.
* ``wiped`` (:mod:`.wiped`): a vulnerable WordPress plugin on the blog, a reused
  password, root, a cryptominer as a systemd service – and four days later the
  attacker cuts the logs, zeroes wtmp and sends root's history to /dev/null.

A static list: adding a story is a module here and one line below.
"""

from __future__ import annotations

from breachkit.demo.stories import upload, wiped
from breachkit.demo.story import Story

STORIES: tuple[Story, ...] = (upload.STORY, wiped.STORY)
DEFAULT = "upload"
NAMES = tuple(story.name for story in STORIES)


def named(name: str) -> Story:
    """The story called ``name``; ``KeyError`` naming the known ones otherwise."""
    for story in STORIES:
        if story.name == name:
            return story
    raise KeyError(f"no demo scenario {name!r}; choose one of {', '.join(NAMES)}")
