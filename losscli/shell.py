"""Commands and options as a user pastes them into a POSIX shell.

Examples, hints and suggested fixes print command-line words built here, so
that a ``;`` between class weights, a glob such as ``p_*`` or a path with a
space reaches losscli as the one word it is, instead of ending the command
or expanding to file names.
"""

from __future__ import annotations

import shlex
from typing import Iterable


def quote(word: str) -> str:
    """``word`` as one shell word: quoted only when it needs to be."""
    return shlex.quote(word)


def command(words: Iterable[str]) -> str:
    return " ".join(quote(word) for word in words)


def pasteable(line: str) -> str:
    """A command written by hand, with every word quoted that needs it:
    ``--loss perceptual:layers=64;128`` becomes
    ``--loss 'perceptual:layers=64;128'``. What is quoted already stays one word."""
    return command(shlex.split(line))


def loss_option(spec: str) -> str:
    """``--loss SPEC`` for a spec such as ``weighted_ce:weights=0.2;0.8``."""
    return f"--loss {quote(spec)}"
