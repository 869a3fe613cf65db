"""Country codes and names from the sources, normalised to ISO 3166-1 alpha-3.

Sources name countries in their own ways: IATI uses alpha-2, UCDP and the coups file use
Gleditsch-Ward numbers, ACLED ISO numeric codes, WGI a few legacy World Bank codes, and
SIPRI and the training report plain English names. Every lookup returns None rather than
a guess when the entity is not a current ISO 3166-1 country (the Soviet Union, a rebel
group), so the caller can report it as a code not recognised. Kosovo, which has no ISO code,
maps to the user-assigned code XKX from every source's spelling of it (see KOSOVO).
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# World Bank / WGI legacy codes that are not ISO 3166-1 alpha-3.
LEGACY_ALPHA3 = {"ADO": "AND", "ROM": "ROU", "TMP": "TLS", "WBG": "PSE", "ZAR": "COD"}

# English names used by SIPRI, UCDP, ACLED, V-Dem and the US training report that
# pycountry does not resolve by itself (keys are casefolded, punctuation collapsed).
NAME_ALIASES = {
    "burma": "MMR",
    "myanmar (burma)": "MMR",
    "bosnia & herzegovina": "BIH",
    "bosnia-herzegovina": "BIH",
    "cape verde": "CPV",
    "cabo verde": "CPV",
    "cape verde, republic of": "CPV",
    "china, people's republic of": "CHN",
    "congo, democratic republic of (kinshasa)": "COD",
    "congo, democratic republic of (zaire)": "COD",
    "dr congo": "COD",
    "democratic republic of congo": "COD",
    "democratic republic of the congo": "COD",
    "congo, republic of (brazzaville)": "COG",
    "congo": "COG",
    "republic of congo": "COG",
    "cote d'ivoire": "CIV",
    "cote d'ivoire, republic of": "CIV",
    "ivory coast": "CIV",
    "gambia, the": "GMB",
    "kazakhstan, republic of": "KAZ",
    "korea, republic of south": "KOR",
    "south korea": "KOR",
    "north korea": "PRK",
    "korea, people's republic of": "PRK",
    "laos": "LAO",
    "macedonia": "MKD",
    "micronesia": "FSM",
    "montenegro, republic of": "MNE",
    "palestinian authority": "PSE",
    "palestine": "PSE",
    "papua-new guinea": "PNG",
    "russia": "RUS",
    "russia (soviet union)": "RUS",
    "serbia, republic of": "SRB",
    "st kitts & nevis": "KNA",
    "saint kitts and nevis": "KNA",
    "st vincent and grenadines": "VCT",
    "saint vincent": "VCT",
    "swaziland": "SWZ",
    "eswatini": "SWZ",
    "taiwan": "TWN",
    "tanzania, united republic of": "TZA",
    "tanzania": "TZA",
    "tanzania/tanganyika": "TZA",
    "timor-leste, democratic republic of": "TLS",
    "east timor": "TLS",
    "turkey": "TUR",
    "turkey (ottoman empire)": "TUR",
    "uae": "ARE",
    "united states": "USA",
    "viet nam": "VNM",
    "vietnam": "VNM",
    "syria": "SYR",
    "iran": "IRN",
    "iran (persia)": "IRN",
    "brunei": "BRN",
    "bolivia": "BOL",
    "venezuela": "VEN",
    "moldova": "MDA",
    "surinam": "SUR",
    "rumania": "ROU",
    "belarus (byelorussia)": "BLR",
    "burkina faso (upper volta)": "BFA",
    "zimbabwe (rhodesia)": "ZWE",
    "sri lanka (ceylon)": "LKA",
    "cambodia (kampuchea)": "KHM",
    "yemen (arab republic of yemen)": "YEM",
    "yemen, rep.": "YEM",
    "yemen": "YEM",
    "macedonia (former yugoslav republic of)": "MKD",
    "north macedonia": "MKD",
    "czech republic": "CZE",
    "czechia": "CZE",
}


# Kosovo has no ISO 3166-1 code; the projects declare the user-assigned XKX for it (the
# World Bank's data API, the EU and most providers use it). How each source writes Kosovo:
# WGI's legacy World Bank code KSV, IATI's alpha-2 XK, Gleditsch-Ward 347 (UCDP, coups,
# V-Dem; in data/gw_iso3.csv), V-Dem's XKX and the names in SIPRI and the training report.
KOSOVO = "XKX"
USER_ASSIGNED_NAMES = {KOSOVO: "Kosovo"}
USER_ASSIGNED_ALPHA3 = {"KSV": KOSOVO, "XKX": KOSOVO}
USER_ASSIGNED_ALPHA2 = {"XK": KOSOVO}
NAME_ALIASES.update(
    {
        "kosovo": KOSOVO,
        "kosova": KOSOVO,
        "republic of kosovo": KOSOVO,
        "kosovo, republic of": KOSOVO,
    }
)


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().casefold())


@cache
def _pycountry():
    import pycountry

    return pycountry


@cache
def iso3_from_alpha3(code: str) -> str | None:
    """An alpha-3 code if it is a current ISO 3166-1 country (legacy WB codes mapped)."""
    code = (code or "").strip().upper()
    if code in USER_ASSIGNED_ALPHA3:
        return USER_ASSIGNED_ALPHA3[code]
    code = LEGACY_ALPHA3.get(code, code)
    return code if _pycountry().countries.get(alpha_3=code) is not None else None


@cache
def iso3_from_alpha2(code: str) -> str | None:
    """ISO 3166-1 alpha-2 (as IATI uses) to alpha-3 (XK, Kosovo, to XKX)."""
    if (code or "").strip().upper() in USER_ASSIGNED_ALPHA2:
        return USER_ASSIGNED_ALPHA2[code.strip().upper()]
    c = _pycountry().countries.get(alpha_2=(code or "").strip().upper())
    return c.alpha_3 if c is not None else None


@cache
def iso3_from_numeric(code: str | int) -> str | None:
    """ISO 3166-1 numeric (as ACLED's `iso` column) to alpha-3."""
    try:
        num = f"{int(str(code).strip()):03d}"
    except ValueError:
        return None
    c = _pycountry().countries.get(numeric=num)
    return c.alpha_3 if c is not None else None


@cache
def iso3_from_name(name: str) -> str | None:
    """An English country name (SIPRI, UCDP, ACLED, FMTR spellings) to alpha-3."""
    if not name or not name.strip():
        return None
    key = _key(name)
    if key in NAME_ALIASES:
        return NAME_ALIASES[key]
    pc = _pycountry()
    for candidate in (name.strip(), re.sub(r"\s*\(.*\)\s*$", "", name.strip())):
        try:
            return pc.countries.lookup(candidate).alpha_3
        except LookupError:
            continue
    return None


@cache
def gw_table() -> dict[int, str]:
    """Gleditsch-Ward state number to ISO3, for the states that are current countries."""
    with (DATA / "gw_iso3.csv").open(encoding="utf-8") as fh:
        return {int(r["gwcode"]): r["iso3"] for r in csv.DictReader(fh) if r["iso3"]}


def iso3_from_gw(code: int | str | None) -> str | None:
    """Gleditsch-Ward number (UCDP, Powell & Thyne, V-Dem) to ISO3, None for historic states."""
    try:
        return gw_table().get(int(str(code).strip()))
    except (TypeError, ValueError):
        return None


@cache
def gw_names() -> dict[int, str]:
    """Gleditsch-Ward state number to the state's name in the list."""
    with (DATA / "gw_iso3.csv").open(encoding="utf-8") as fh:
        return {int(r["gwcode"]): r["gw_name"] for r in csv.DictReader(fh)}


def gw_label(code: int | str | None) -> str:
    """A Gleditsch-Ward number with its state's name ("260 German Federal Republic"), so a
    mapping report lists the states it could not map by name."""
    try:
        name = gw_names().get(int(str(code).strip()))
    except (TypeError, ValueError):
        name = None
    return f"{code} {name}" if name else f"{code} (not in the Gleditsch-Ward list)"


@cache
def is_iso3(code: str | None) -> bool:
    """Whether a string is a current ISO 3166-1 alpha-3 code."""
    return bool(code) and _pycountry().countries.get(alpha_3=code) is not None


@cache
def is_currency(code: str | None) -> bool:
    """Whether a string is an ISO 4217 currency code."""
    return bool(code) and _pycountry().currencies.get(alpha_3=code) is not None
