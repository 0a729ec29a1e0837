"""The scheduling package's exceptions, one tree.

::

    ScheduleError                 anything this package refuses
    ├── DataFileError             a file we were given is wrong: every problem, by file, line
    │                             and column (the file's author fixes it)
    ├── TravelError               no distance or travel time is known between two places
    │                             (the road matrix is incomplete)
    ├── HandoverError             what a driver reports handed over at a stop does not fit
    │                             what was loaded for it (the operator fixes the report)
    └── PlanError                 a solver answer failed the independent plan check; this is
                                  our bug, and the answer is never shown as a plan

Shortfalls and unserved stops are not exceptions: they are part of an allocation or a plan,
with their reasons in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.schedule.messages import Message


class ScheduleError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class FileProblem:
    """One problem in a file: where it is and what is wrong.

    ``line`` is None where the format gives no positions (a JSON document checked as a whole);
    ``column`` is then the path to the field.
    """

    file: str
    line: int | None
    column: str
    message: Message

    def text(self, language: str) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.column}: {self.message.text(language)}"

    def __str__(self) -> str:
        return self.text("en")


class DataFileError(ScheduleError):
    """Every problem found in a file, not only the first."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = tuple(problems)


class TravelError(ScheduleError):
    pass


class HandoverError(ScheduleError):
    """One line of a stop's report is wrong: ``index`` is its place in the report, ``field``
    the part of it at fault."""

    def __init__(self, message: str, *, index: int, field: str) -> None:
        super().__init__(message)
        self.index = index
        self.field = field


class PlanError(ScheduleError):
    pass
