"""The one exception type users see: its message is printed as is, without a traceback."""

from __future__ import annotations


class GlovegoError(Exception):
    """A problem with the user's input or environment, described so the user can fix it."""


class FormatError(GlovegoError):
    """An EHOI-COCO file (or a file it references) is malformed."""


class Interrupted(GlovegoError):
    """The user stopped the command (Ctrl-C); the message says what was kept and how to resume."""
