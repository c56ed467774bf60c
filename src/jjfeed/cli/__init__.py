"""The command line: parse arguments, call one pipeline function, print.

``base`` holds the group, its settings and the exit codes; each other
module registers its commands on the group when imported.
"""

from . import explain, manage, running
from .base import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_USAGE, cli

__all__ = [
    "EXIT_FAILED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_USAGE",
    "cli",
    "explain",
    "main",
    "manage",
    "running",
]


def main() -> None:
    cli(prog_name="jjfeed")
