"""The hub's master data: products and their grades, members, crate types.  Pure.

Rules:

1. A product-grade code (what the station scans, ``PRD-…``) names one product in one grade; the
   grade may carry the GTIN-14 its labels print (validated with its check digit).
2. A product's shelf life is a whole, non-negative number of days; FEFO counts from it.
3. A crate type's tare is whole grams, never negative.
"""

from __future__ import annotations

from dataclasses import dataclass

from labels import gs1


class CatalogError(ValueError):
    """Master data that breaks a rule; ``field`` names the value at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class ProductRecord:
    id: str
    name: str
    shelf_life_days: int

    def __post_init__(self) -> None:
        if isinstance(self.shelf_life_days, bool) or self.shelf_life_days < 0:
            raise CatalogError("shelf_life_days", f"must be ≥ 0 days, got {self.shelf_life_days}")


@dataclass(frozen=True, slots=True)
class GradeRecord:
    code: str
    product: str
    grade: str
    gtin: str | None = None

    def __post_init__(self) -> None:
        if self.gtin is not None:
            try:
                object.__setattr__(self, "gtin", gs1.gtin(self.gtin).value)
            except gs1.Gs1Error as exc:
                raise CatalogError("gtin", str(exc)) from exc


@dataclass(frozen=True, slots=True)
class CrateTypeRecord:
    id: str
    name: str
    tare_g: int

    def __post_init__(self) -> None:
        if isinstance(self.tare_g, bool) or self.tare_g < 0:
            raise CatalogError("tare_g", f"must be whole grams ≥ 0, got {self.tare_g}")
