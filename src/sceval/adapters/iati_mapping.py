"""Mapping an IATI activity (already parsed, see sceval.adapters.iati) to a programs row and its
result periods to indicator_observations rows: dates, budgets, countries, sectors, values,
dimensions, direction and overlaps, each decision reported.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from sceval.adapters.common import ROW, parse_number
from sceval.adapters.countries import DATA, USER_ASSIGNED_NAMES, iso3_from_alpha2
from sceval.adapters.report import UNMAPPED, MappingReport

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


MEASURES = {
    "1": "unit",
    "2": "percentage",
    "3": "nominal",
    "4": "ordinal",
    "5": "qualitative",
    "unit": "unit",
    "percentage": "percentage",
    # Not a 1.x code, but published (Global Fund): values are numbers written as text.
    "text": "legacy text (numbers parsed where plain)",
}


# 1.x activity-date types, by their 2.x code.
DATE_TYPES = {
    "start-planned": "1",
    "start-actual": "2",
    "end-planned": "3",
    "end-actual": "4",
}


BUDGET_TYPES = {"original": "1", "revised": "2"}


COMMITMENT = {"2", "C"}


SPENDING = {"3", "4", "D", "E"}  # disbursements and expenditure


def text_of(el, lang: str | None = None) -> str | None:
    """The element's text: its English (or only) narrative in 2.x, its own text in 1.x."""
    if el is None:
        return None
    narratives = el.findall("narrative")
    if narratives:
        for n in narratives:
            if n.get(XML_LANG) in (None, "en", "EN", lang) and (n.text or "").strip():
                return " ".join(n.text.split())
        for n in narratives:
            if (n.text or "").strip():
                return " ".join(n.text.split())
        return None
    text = "".join(el.itertext()).strip()
    return " ".join(text.split()) or None


def _date(el, attr: str = "iso-date") -> dt.date | None:
    if el is None or not el.get(attr):
        return None
    try:
        return dt.date.fromisoformat(el.get(attr).strip()[:10])
    except ValueError:
        return None


def _pct(el, default: float) -> float:
    try:
        return float(el.get("percentage"))
    except (TypeError, ValueError):
        return default


def program_row(act, pos: int, report: MappingReport, legacy: bool) -> dict[str, Any] | None:
    """The programs row of one activity, or None (rejected, with the reason)."""
    ident = text_of(act.find("iati-identifier"))
    row = ident or f"activity {pos}"
    if not ident:
        report.reject(row, "iati-identifier missing", column="iati-identifier")
        return None
    lang = act.get(XML_LANG)
    org = act.find("reporting-org")
    provider = text_of(org, lang) or (org.get("ref") if org is not None else None)
    dates: dict[str, dt.date] = {}
    for d in act.findall("activity-date"):
        code = DATE_TYPES.get(d.get("type", ""), d.get("type", ""))
        if _date(d):
            dates[code] = _date(d)
    start = dates.get("2") or dates.get("1")
    end = dates.get("4") or dates.get("3")
    if start is None:
        starts = [_date(e) for e in act.iter("period-start") if _date(e)]
        if starts:
            start = min(starts)
            report.normalise("start date missing: earliest budget or result period start used")
    if end is None:
        ends = [_date(e) for e in act.iter("period-end") if _date(e)]
        if ends:
            end = max(ends)
            report.normalise("end date missing: latest budget or result period end used")
    if "2" not in dates and "1" in dates:
        report.normalise("start date from the planned start (no actual start)")
    if "4" not in dates and "3" in dates:
        report.normalise("end date from the planned end (no actual end)")
    country, region = _country(act, ident, report)
    budget, currency = _budget(act, ident, report)
    # Absent facts, not dirty values: the activity cannot be a program, and the rest loads.
    if country is None:
        report.reject(
            ident,
            "no recipient country (a regional or global activity); a program needs one",
            kind=UNMAPPED,
            column="recipient-country",
        )
        return None
    if budget is None and not any(r.row == ident for r in report.rejects):
        report.reject(
            ident,
            "no budget, commitment or spending in the activity",
            kind=UNMAPPED,
            column="budget",
        )
        return None
    if budget is None:
        return None  # rejected above: budget in several currencies
    sectors = _sectors(act)
    dac = [s for s in sectors if s["vocabulary"] in ("1", "2", "DAC", "DAC-3")]
    framework = None
    if dac:
        top = max(dac, key=lambda s: s["percentage"])
        framework = f"DAC {top['code']} {top['name']}".strip()
        report.normalise("DAC sector kept in programs.framework")
    elif sectors:
        vocabs = sorted({s["vocabulary"] for s in sectors})
        report.notes.append(
            f"{ident}: no DAC sector (sector vocabularies {', '.join(vocabs)}); framework left empty"
        )
    report.details.setdefault("sectors", {})[ident] = sectors
    objective = None
    for kind in ("2", "1"):
        for desc in act.findall("description"):
            if desc.get("type", "1") == kind and objective is None:
                objective = text_of(desc, lang)
    return {
        ROW: ident,
        "program_id": ident,
        "name": text_of(act.find("title"), lang) or ident,
        "provider": provider,
        "framework": framework,
        "partner_country": country,
        "region": region,
        "start_date": start,
        "end_date": end,
        "budget": budget,
        "currency": currency or act.get("default-currency"),
        "objective": objective,
    }


def _country(act, ident: str, report: MappingReport) -> tuple[str | None, str]:
    """The recipient country with the largest share (ISO3), and a region label."""
    countries = act.findall("recipient-country")
    shares = []
    for c in countries:
        code = (c.get("code") or "").strip()
        iso3 = iso3_from_alpha2(code)
        if iso3 is None:
            report.unknown("recipient-country code", code or "(empty)")
            continue
        if iso3 in USER_ASSIGNED_NAMES:
            report.normalise(
                f"recipient-country code {code} ({USER_ASSIGNED_NAMES[iso3]}) "
                f"to the user-assigned code {iso3}"
            )
        shares.append((iso3, _pct(c, 100.0 / max(len(countries), 1))))
    regions = [
        text_of(r) or f"IATI region {r.get('code')}"
        for r in act.findall("recipient-region")
        if r.get("code") or text_of(r)
    ]
    region = regions[0] if regions else "unspecified"
    if not regions:
        report.normalise("region not given by the activity: 'unspecified'")
    if not shares:
        return None, region
    report.normalise("recipient country alpha-2 to ISO3", len(shares))
    best = max(shares, key=lambda s: s[1])  # max keeps the first of equal shares
    if len(shares) > 1:
        listed = ", ".join(f"{c} {p:g}%" for c, p in shares)
        report.notes.append(
            f"{ident}: {len(shares)} recipient countries ({listed}); partner_country = {best[0]}"
        )
        report.details.setdefault("recipient_countries", {})[ident] = dict(shares)
    return best[0], region


def _budget(act, ident: str, report: MappingReport) -> tuple[float | None, str | None]:
    """Total budget and its currency: revised replaces original per period; else commitments."""
    default_cur = act.get("default-currency")
    by_period: dict[tuple, tuple[str, float, str | None]] = {}
    for b in act.findall("budget"):
        btype = BUDGET_TYPES.get((b.get("type") or "1").lower(), b.get("type") or "1")
        val_el = b.find("value")
        number, _ = parse_number(val_el.text if val_el is not None else None)
        if number is None:
            continue
        cur = (val_el.get("currency") or default_cur) if val_el is not None else default_cur
        period = (_date(b.find("period-start")), _date(b.find("period-end")))
        held = by_period.get(period)
        if held is None or (held[0] != "2" and btype == "2"):
            by_period[period] = (btype, number, cur)
    items = list(by_period.values())
    source = "budget"
    for codes, name in ((COMMITMENT, "commitments"), (SPENDING, "disbursements and expenditure")):
        if items:
            break
        for t in act.findall("transaction"):
            tt = t.find("transaction-type")
            if tt is not None and tt.get("code") in codes:
                v = t.find("value")
                number, _ = parse_number(v.text if v is not None else None)
                if number is not None:
                    items.append(("T", number, (v.get("currency") or default_cur)))
        source = name
    if not items:
        return None, default_cur
    currencies = {c for _, _, c in items}
    if len(currencies) > 1:
        report.reject(
            ident,
            f"budget in several currencies ({', '.join(sorted(map(str, currencies)))}); not summed",
            column="budget",
        )
        return None, None
    if source != "budget":
        report.normalise(f"budget from {source} (no budget element)")
    report.details.setdefault("budget_periods", {})[ident] = len(items)
    return float(sum(v for _, v, _ in items)), currencies.pop()


def _sectors(act) -> list[dict[str, Any]]:

    names = _dac_names(DATA / "dac_sectors.csv")
    out = []
    sectors = act.findall("sector")
    for s in sectors:
        vocab = s.get("vocabulary") or "1"
        code = (s.get("code") or "").strip()
        name = names.get(code, "") if vocab in ("1", "DAC") else ""
        out.append(
            {
                "vocabulary": vocab,
                "code": code,
                "name": name or text_of(s) or "",
                "percentage": _pct(s, 100.0 / max(len(sectors), 1)),
            }
        )
    return out


_DAC: dict[str, str] = {}


def _dac_names(path: Path) -> dict[str, str]:
    if not _DAC:
        import csv

        with path.open(encoding="utf-8") as fh:
            _DAC.update({r["code"]: r["name"] for r in csv.DictReader(fh)})
    return _DAC


def _dims(el) -> tuple[tuple[str, str], ...]:
    return tuple((d.get("name") or "", d.get("value") or "") for d in el.findall("dimension"))


def result_rows(act, prog, report, legacy, observations, values, indicators) -> None:
    """Observation rows of one activity's results, with values, overlaps and cumulation."""
    pid = prog["program_id"]
    for ri, result in enumerate(act.findall("result"), start=1):
        for ii, ind in enumerate(result.findall("indicator"), start=1):
            iid = f"iati-{ri}.{ii}"
            measure_code = (ind.get("measure") or "1").strip()
            measure = MEASURES.get(measure_code.lower())
            qualitative = measure == "qualitative"
            if measure is None:
                report.unknown("indicator measure", measure_code)
                measure = f"unrecognised ({measure_code})"
            asc = (ind.get("ascending") or "").strip().lower()
            direction = "lower_is_better" if asc in ("0", "false") else "higher_is_better"
            if asc:
                report.normalise(f"ascending={asc} -> direction {direction}")
            else:
                report.normalise("no ascending attribute -> higher_is_better (IATI default)")
            title = text_of(ind.find("title"))
            where = f"{pid} {iid}"
            info = {
                "program_id": pid,
                "indicator_id": iid,
                "indicator_title": title,
                "measure": measure,
                "direction": direction,
                "qualitative": qualitative,
            }
            baselines = {}
            for b in ind.findall("baseline"):
                raw = b.get("value")
                if raw is None and legacy:
                    raw = b.text
                baselines[_dims(b)] = raw
                values.append(_value(info, None, None, "baseline", b, raw, report))
            periods = []
            for pi, per in enumerate(ind.findall("period"), start=1):
                start, end = _date(per.find("period-start")), _date(per.find("period-end"))
                row = f"{where} period {pi}"
                if start is None or end is None:
                    report.reject(row, "period without a start or end date", column="period_start")
                    continue
                periods.append((start, end, pi))
                cells: dict[tuple, dict[str, Any]] = defaultdict(dict)
                for kind in ("target", "actual"):
                    for el in per.findall(kind):
                        raw = el.get("value")
                        cells[_dims(el)][kind] = raw
                        values.append(_value(info, start, end, kind, el, raw, report))
                if not cells:
                    cells[()] = {}
                for dims, got in cells.items():
                    num = {
                        k: (None if qualitative else parse_number(v)[0])
                        for k, v in (
                            ("baseline", baselines.get(dims)),
                            ("target", got.get("target")),
                            ("actual", got.get("actual")),
                        )
                    }
                    if len(dims) > 1:
                        report.normalise("several dimensions joined with '|'")
                    observations.append(
                        {
                            ROW: row,
                            "program_id": pid,
                            "indicator_id": iid,
                            "period_start": start,
                            "period_end": end,
                            **num,
                            "dimension": "|".join(n for n, _ in dims) or None,
                            "dimension_value": "|".join(v for _, v in dims) or None,
                            # Declared by the publisher (IATI's default is 1): the engine
                            # judges "met" by it, never by target vs baseline.
                            "ascending": direction == "higher_is_better",
                        }
                    )
            _overlaps(periods, pid, iid, report)
            targets = [
                parse_number(t.get("value"))[0]
                for p in ind.findall("period")
                for t in p.findall("target")
                if not _dims(t)
            ]
            cumulative = _cumulative(targets, ind, qualitative)
            if cumulative:
                report.details.setdefault("cumulative_targets", []).append(
                    {"program_id": pid, "indicator_id": iid, "title": title, "why": cumulative}
                )
            indicators.append(
                {
                    "program_id": pid,
                    "indicator_id": iid,
                    "title": title,
                    "measure": measure,
                    "direction": direction,
                    "result_type": result.get("type"),
                    "periods": len(ind.findall("period")),
                }
            )


def _value(info, start, end, kind, el, raw, report):
    """One raw value for the side file, counting what parsing changed."""
    qualitative = info["qualitative"]
    number, change = (None, None) if qualitative else parse_number(raw)
    if qualitative and raw:
        report.normalise("qualitative value kept as text, not a number")
    elif change:
        report.normalise(f"number text parsed ({change})")
    elif raw not in (None, "") and number is None:
        report.unknown("non-numeric value in a quantitative indicator", raw[:60])
    dims = _dims(el)
    return {
        **info,
        "element": kind,
        "period_start": start,
        "period_end": end,
        "dimension": "|".join(n for n, _ in dims) or None,
        "dimension_value": "|".join(v for _, v in dims) or None,
        "raw_text": raw,
        "number": number,
        "stripped": change,
    }


def _overlaps(periods, pid, iid, report) -> None:
    periods = sorted(periods)
    for (_s1, e1, p1), (s2, _e2, p2) in zip(periods, periods[1:], strict=False):
        if s2 <= e1:
            report.details.setdefault("overlapping_periods", []).append(
                {
                    "program_id": pid,
                    "indicator_id": iid,
                    "period": p1,
                    "ends": e1.isoformat(),
                    "next_period": p2,
                    "starts": s2.isoformat(),
                }
            )
            report.normalise("overlapping periods detected (reported, loaded as given)")


def _cumulative(targets: list[float | None], ind, qualitative: bool) -> str | None:
    """Why the targets look cumulative (running totals), or None."""
    text = (
        " ".join(
            (el.get("value") or "") for el in ind.iter() if el.tag in ("target", "actual")
        ).casefold()
        + " "
        + (text_of(ind.find("title")) or "").casefold()
    )
    if "cumulative" in text:
        return "the indicator's text says cumulative"
    nums = [t for t in targets if t is not None]
    if (
        not qualitative
        and len(nums) >= 2
        and all(b >= a for a, b in zip(nums, nums[1:], strict=False))
        and nums[-1] > nums[0]
    ):
        return "targets never fall from one period to the next (a running total?)"
    return None
