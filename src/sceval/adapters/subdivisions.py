"""First-level administrative areas (admin1) matched through ISO 3166-2 subdivision codes.

Sources spell the same area several ways: UCDP writes "Bago division" beside "Bago region"
(the 2008 renaming), "Karen state" beside "Kayin state", "Naypyidaw" for ISO's "Nay Pyi
Taw". A name is matched to a first-level subdivision of its country (pycountry's ISO 3166-2
data) after folding case, accents, punctuation, spaces and the type word ("state",
"region", "division", ...); names that differ beyond that are declared in
`data/admin1_aliases.csv` (country, name, ISO 3166-2 code, why). A name that matches no
subdivision gets no code, and the callers report it.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
TYPE_WORDS = re.compile(
    r"\b(state|region|division|province|governorate|district|prefecture|union territory|"
    r"territory|popularate|municipality|wilaya|department|county|oblast)\b"
)


def fold(name: str) -> str:
    """The comparable form of an area name: no accents, case, punctuation, type word, spaces."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    text = TYPE_WORDS.sub(" ", text)
    return re.sub(r"[\s_]+", "", text)


@cache
def aliases() -> dict[tuple[str, str], str]:
    """The declared alias table: (ISO3 country, folded name) -> ISO 3166-2 code."""
    with (DATA / "admin1_aliases.csv").open(encoding="utf-8") as fh:
        return {(r["country"], fold(r["name"])): r["iso_3166_2"] for r in csv.DictReader(fh)}


@cache
def subdivisions(iso3: str) -> dict[str, str]:
    """Folded name -> ISO 3166-2 code of a country's first-level subdivisions."""
    import pycountry

    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return {}
    subs = pycountry.subdivisions.get(country_code=country.alpha_2) or []
    return {fold(s.name): s.code for s in subs if s.parent_code is None}


def admin1_code(iso3: str | None, name: str | None) -> str | None:
    """The ISO 3166-2 code of a first-level area named `name` in country `iso3`, or None."""
    if not iso3 or not name or not name.strip():
        return None
    key = fold(name)
    return aliases().get((iso3, key)) or subdivisions(iso3).get(key)


def area_key(iso3: str | None, name: str | None) -> str | None:
    """What two admin1 names are compared by: the ISO 3166-2 code where one matches, else
    the folded name (so that unmatched spellings still meet their exact twins)."""
    if name is None:
        return None
    return admin1_code(iso3, name) or f"{iso3}:{fold(name)}"
