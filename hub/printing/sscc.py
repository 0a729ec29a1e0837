"""The next SSCC of a cooperative: its GS1 company prefix and extension digit, a serial
reference from a counter that only goes up, and the check digit.

Rules:

1. One statement takes the serial: ``UPDATE sscc_counters SET next_serial = next_serial + 1
   … RETURNING``.  It locks the cooperative's counter row until the transaction ends
   (PostgreSQL re-reads the row after waiting for the lock; SQLite lets one writer in at a
   time), so two transactions never get the same serial, and a transaction that rolls back
   gives its serial back before anyone else can take it.
2. A serial that does not fit the digits the prefix leaves (16 − prefix length) raises
   ``SsccExhaustedError``; the caller's transaction rolls back, so the counter stays put.
3. The counter belongs to the cooperative, not to the prefix: setting another prefix keeps it.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, insert, select, update

from hub.db.models import Cooperative, GS1Settings
from hub.printing import NoGs1IdentityError, SsccError, SsccExhaustedError, UnknownCooperativeError
from labels.gs1 import Gs1Error, build_sscc


def allocate_sscc(connection: Connection, coop: str) -> str:
    """Take the cooperative's next SSCC inside the caller's transaction."""
    taken = connection.execute(
        update(GS1Settings)
        .where(GS1Settings.coop_id == coop)
        .values(next_serial=GS1Settings.next_serial + 1)
        .returning(GS1Settings.next_serial, GS1Settings.company_prefix, GS1Settings.extension_digit)
    ).one_or_none()
    if taken is None:
        raise NoGs1IdentityError(coop)
    serial = int(taken.next_serial) - 1
    prefix = str(taken.company_prefix)
    if not (prefix.isascii() and prefix.isdigit() and 4 <= len(prefix) <= 12):
        raise SsccError(coop, f"its GS1 company prefix {prefix!r} is not 4 to 12 digits")
    if serial >= 10 ** (16 - len(prefix)):
        raise SsccExhaustedError(coop, prefix, serial)
    try:
        return build_sscc(int(taken.extension_digit), prefix, serial)
    except Gs1Error as exc:
        raise SsccError(coop, f"its GS1 identity cannot make an SSCC: {exc}") from exc


def next_sscc(engine: Engine, coop: str) -> str:
    """Take the cooperative's next SSCC in a transaction of its own."""
    with engine.begin() as connection:
        return allocate_sscc(connection, coop)


def set_gs1_identity(
    connection: Connection, coop: str, *, company_prefix: str, extension_digit: int
) -> int:
    """Set the cooperative's prefix and extension digit; returns the next serial, which a new
    prefix keeps (rule 3)."""
    if connection.execute(select(Cooperative.id).where(Cooperative.id == coop)).first() is None:
        raise UnknownCooperativeError(coop)
    values = {"company_prefix": company_prefix, "extension_digit": extension_digit}
    changed = connection.execute(
        update(GS1Settings)
        .where(GS1Settings.coop_id == coop)
        .values(values)
        .returning(GS1Settings.next_serial)
    ).one_or_none()
    if changed is not None:
        return int(changed.next_serial)
    connection.execute(insert(GS1Settings).values(coop_id=coop, next_serial=1, **values))
    return 1
