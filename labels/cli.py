"""``lumbung label render`` and ``lumbung label print``.

``add_commands(subparsers)`` registers the ``label`` command on the main ``lumbung`` parser.
Each leaf command stores its handler as ``handler``; the main program calls ``args.handler(args)``
and exits with the integer it returns:

* 0: rendered (and sent);
* 2: the input is wrong. The message names the option (and the AI for GS1 rules), e.g.
  ``--lot: (10) BATCH/LOT: 'A#1' has '#' outside GS1 character set 82``;
* 1: the input was fine but the printer or the output file failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path

from labels import gs1
from labels.content import resolve
from labels.errors import LabelDataError, LabelError, LabelFitError, UnknownTemplateError
from labels.formats import FORMATS, render
from labels.gs1 import AI_TABLE, Gs1Error
from labels.i18n import CATALOGUES
from labels.layout import DOTS_PER_MM
from labels.printers import (
    PRINTERS,
    Job,
    PrinterAddressError,
    PrinterError,
    UnknownPrinterError,
    open_printer,
)
from labels.templates import TEMPLATES, LabelData, get_template

__all__ = ["add_commands", "main"]

_FLAG_OF_AI = {
    "00": "--sscc",
    "01": "--gtin",
    "02": "--gtin",
    "10": "--lot",
    "13": "--pack-date",
    "15": "--best-before",
    "310n": "--net-kg",
    "330n": "--gross-kg",
    "37": "--count",
    "412": "--purchased-from",
    "422": "--country",
}
_FLAG_OF_FIELD = {
    "net_g": "--net-kg",
    "gross_g": "--gross-kg",
    "languages": "--lang",
    "purchased_from_gln": "--purchased-from",
}


def _grams(text: str) -> int:
    try:
        kg = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of kilograms") from None
    grams = kg * 1000
    if not grams.is_finite() or grams <= 0 or grams != grams.to_integral_value():
        raise argparse.ArgumentTypeError(f"{text} kg is not a positive whole number of grams")
    return int(grams)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _languages(text: str) -> tuple[str, ...]:
    languages = tuple(part.strip() for part in text.split(",") if part.strip())
    if not languages or any(lang not in CATALOGUES for lang in languages):
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a comma-separated list of {', '.join(CATALOGUES)}"
        )
    return languages


def _add_label_arguments(parser: argparse.ArgumentParser, *, default_format: str) -> None:
    add = parser.add_argument
    add("--template", required=True, choices=sorted(TEMPLATES), help="label template")
    add("--gtin", required=True, help="GTIN-8/12/13/14 of the trade item")
    add("--lot", required=True, help="batch/lot, AI (10)")
    add(
        "--net-kg",
        required=True,
        type=_grams,
        dest="net_g",
        metavar="KG",
        help="net weight, e.g. 12.50",
    )
    add("--pack-date", required=True, type=_date, help="YYYY-MM-DD")
    add("--best-before", type=_date, help="YYYY-MM-DD")
    add("--sscc", help="18-digit SSCC (pallet label)")
    add("--count", type=int, help="trade items on the pallet, AI (37)")
    add("--gross-kg", type=_grams, dest="gross_g", metavar="KG", help="gross weight of the pallet")
    add("--product", default="", help="product name")
    add("--grade", default="", help="quality grade (kelas mutu)")
    add("--village", default="", help="village of origin")
    add("--packer-name", default="", help="packer (cooperative) name")
    add("--packer-address", default="", help="packer address")
    add("--crate-id", default="", help="crate identifier")
    add("--country", default="360", help="ISO 3166-1 numeric country of origin (360)")
    add("--purchased-from", dest="purchased_from_gln", metavar="GLN", help="GLN, AI (412)")
    add("--lang", type=_languages, default=("id",), help="label languages, e.g. id or id,en")
    add("--resolver", default=gs1.DEFAULT_RESOLVER, help="Digital Link resolver domain")
    add("--format", choices=sorted(FORMATS), default=default_format)
    add("--dpi", type=int, choices=sorted(DOTS_PER_MM), default=203)


def _label_data(args: argparse.Namespace) -> LabelData:
    return LabelData(
        gtin=args.gtin,
        lot=args.lot,
        net_g=args.net_g,
        pack_date=args.pack_date,
        best_before=args.best_before,
        sscc=args.sscc,
        count=args.count,
        gross_g=args.gross_g,
        product=args.product,
        grade=args.grade,
        village=args.village,
        packer_name=args.packer_name,
        packer_address=args.packer_address,
        crate_id=args.crate_id,
        country=args.country,
        purchased_from_gln=args.purchased_from_gln,
    )


def _message(exc: LabelError) -> str:
    """The error as the command line says it: the option first, then what is wrong."""
    match exc:
        case Gs1Error(ai=ai):
            family = AI_TABLE[ai].family if ai in AI_TABLE else ai
            return f"{_FLAG_OF_AI.get(family, '--gtin')}: {exc}"
        case LabelDataError(field=field, detail=detail):
            return f"{_FLAG_OF_FIELD.get(field, '--' + field.replace('_', '-'))}: {detail}"
        case PrinterAddressError() | UnknownPrinterError():
            return f"--printer: {exc}"
    return str(exc)


Deliver = Callable[[argparse.Namespace, bytes], str]


def _write(args: argparse.Namespace, data: bytes) -> str:
    out: Path = args.out
    out.write_bytes(data)
    return str(out)


def _send(args: argparse.Namespace, data: bytes) -> str:
    name = f"{args.template}-{args.lot}"
    return open_printer(args.printer).send(Job(data, args.format, name))


def _run(args: argparse.Namespace, deliver: Deliver) -> int:
    try:
        content = resolve(
            get_template(args.template),
            _label_data(args),
            languages=args.lang,
            resolver=args.resolver,
        )
        where = deliver(args, render(content, format=args.format, dpi=args.dpi))
    except (Gs1Error, LabelDataError, LabelFitError, UnknownTemplateError) as exc:
        print(f"{args.prog}: error: {_message(exc)}", file=sys.stderr)
        return 2
    except PrinterError as exc:
        status = 2 if isinstance(exc, PrinterAddressError | UnknownPrinterError) else 1
        print(f"{args.prog}: error: {_message(exc)}", file=sys.stderr)
        return status
    except OSError as exc:
        print(f"{args.prog}: error: --out: could not write {args.out}: {exc}", file=sys.stderr)
        return 1
    print(f"{args.template} label ({args.format}, {args.dpi} dpi) -> {where}")
    return 0


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    label = subparsers.add_parser("label", help="render and print GS1 traceability labels")
    commands = label.add_subparsers(dest="label_command", required=True)

    render_cmd = commands.add_parser("render", help="render a label to a file")
    _add_label_arguments(render_cmd, default_format="png")
    render_cmd.add_argument("--out", required=True, type=Path, help="output file")
    render_cmd.set_defaults(handler=partial(_run, deliver=_write), prog=render_cmd.prog)

    print_cmd = commands.add_parser("print", help="render a label and send it to a printer")
    _add_label_arguments(print_cmd, default_format="zpl")
    examples = ", ".join(kind.example for kind in PRINTERS.values())
    print_cmd.add_argument("--printer", required=True, help=f"printer URL ({examples})")
    print_cmd.set_defaults(handler=partial(_run, deliver=_send), prog=print_cmd.prog)


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point (``python -m labels.cli label …``)."""
    parser = argparse.ArgumentParser(prog="lumbung")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status: int = args.handler(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
