"""Output formats by name: what the CLI and the hub's print queue render a label into."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from labels.content import Content
from labels.errors import LabelDataError
from labels.render_image import render_pdf, render_png
from labels.render_zpl import render_zpl

__all__ = ["FORMATS", "OutputFormat", "Renderer", "render"]


class Renderer(Protocol):
    def __call__(self, content: Content, *, dpi: int) -> bytes: ...


@dataclass(frozen=True, slots=True)
class OutputFormat:
    name: str
    media_type: str
    render: Renderer


FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat("png", "image/png", render_png),
        OutputFormat("pdf", "application/pdf", render_pdf),
        OutputFormat("zpl", "application/vnd.zebra-zpl", render_zpl),
    )
}


def render(content: Content, *, format: str, dpi: int) -> bytes:
    try:
        output = FORMATS[format]
    except KeyError:
        raise LabelDataError("format", f"{format!r}: choose from {', '.join(FORMATS)}") from None
    return output.render(content, dpi=dpi)
