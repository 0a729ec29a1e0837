"""The scanner's view of a rendered label: zxing-cpp decodes, biip parses."""

from __future__ import annotations

import biip
import zxingcpp
from PIL import Image

from labels import gs1
from labels.content import Content, LinearItem, MatrixItem

Symbol = tuple[str, str]
"""(symbology identifier as zxing-cpp reports it, transmitted text with GS separators)."""


def decode(image: Image.Image) -> set[Symbol]:
    found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    assert all(result.valid for result in found)
    return {(result.symbology_identifier, result.text) for result in found}


def expected_symbols(content: Content) -> dict[Symbol, list[tuple[str, str]]]:
    """Each symbol a scanner must read from the label → the (AI, value) pairs it carries.

    GS1-128 reads as ``]C1`` + element string, GS1 DataMatrix as ``]d2`` + element string,
    the Digital Link QR Code as plain ``]Q1`` + URI.
    """
    symbols: dict[Symbol, list[tuple[str, str]]] = {}
    for item in content.items:
        match item:
            case LinearItem():
                key = ("]C1", gs1.element_string(item.elements))
            case MatrixItem() if item.data.startswith("https://"):
                key = ("]Q1", item.data)
            case MatrixItem():
                key = ("]d2", item.data)
            case _:
                continue
        symbols[key] = [(e.ai, e.value) for e in item.elements]
    return symbols


def parsed(symbol: Symbol) -> list[tuple[str, str]]:
    """The (AI, value) pairs biip reads from a decoded symbol."""
    identifier, text = symbol
    if identifier == "]Q1":
        uri = biip.parse(text).gs1_digital_link_uri
        assert uri is not None, text
        return [(e.ai.ai, e.value) for e in uri.element_strings]
    message = biip.parse(identifier + text).gs1_message
    assert message is not None, text
    return [(e.ai.ai, e.value) for e in message.element_strings]


def check_scan(image: Image.Image, content: Content) -> None:
    """Every symbol on the label reads back exactly as encoded and parses into its AIs.

    A Digital Link lists path AIs before query AIs, so its order is not compared.
    """
    expected = expected_symbols(content)
    assert decode(image) == set(expected)
    for symbol, pairs in expected.items():
        if symbol[0] == "]Q1":
            assert sorted(parsed(symbol)) == sorted(pairs)
        else:
            assert parsed(symbol) == pairs
