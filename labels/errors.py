"""The one exception tree of the ``labels`` package.

Every error says whose fault it is and names the thing at fault: the Application Identifier
for GS1 data, the template field for layout, ``host:port`` or the queue for a printer.

Exception tree::

    LabelError
    ├── Gs1Error                  GS1 data breaks a rule (tree in ``labels.gs1``); caller's data
    ├── UnknownTemplateError      no template by that name
    ├── LabelDataError            a template needs an input that is missing or malformed
    ├── LabelFitError             a symbol or text cannot fit its box; template or data too big
    └── PrinterError              (tree in ``labels.printers``); the printer or its transport
"""

from __future__ import annotations

__all__ = [
    "LabelDataError",
    "LabelError",
    "LabelFitError",
    "UnknownTemplateError",
]


class LabelError(Exception):
    """Base of every error raised by ``labels``."""


class UnknownTemplateError(LabelError, LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown label template {name!r}; known templates: {', '.join(known)}")
        self.name = name
        self.known = known


class LabelDataError(LabelError, ValueError):
    """The template asks for an input the label data does not have (or has in a bad form)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


class LabelFitError(LabelError, ValueError):
    """Something cannot be drawn inside its box without being cut off or breaking a rule."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field {field!r}: {message}")
        self.field = field
