"""Entry workbooks from the contracts: `sceval template [TABLE...] --out FILE.xlsx`.

What stays true: every sheet of a template is generated from `schemas/<table>.yml`, so a
workbook filled in Excel or LibreOffice loads with `sceval load FILE.xlsx` under the same
contract as a CSV. A data sheet is named after its table and its header row holds exactly the
contract's columns; the help a person needs (descriptions, rules, value sets, the paper's
wording of a partnership model's items) sits in header comments, drop-downs and sheets whose
names begin with `_`, which the loader never reads as data. The workbook's own checks only
help typing: the contract is still what `sceval load` enforces.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sceval.contracts.files import column_letter
from sceval.errors import UsageError
from sceval.project import Column, Project, TableContract

ROWS = 5000  # rows under the header that carry the drop-downs and checks
NOTE_PREFIX = "_"  # sheets named so are help, never data (contracts/files.py skips them)
INSTRUCTIONS = "_instructions"
LISTS = "_lists"
RATING_ITEMS = "_rating_items"
# Excel stores dates as days since 1899-12-30; a date check needs bounds, and the contracts
# give none, so these only keep out typing slips such as a year 20255.
FIRST_DAY, LAST_DAY = dt.date(1900, 3, 1), dt.date(2100, 12, 31)
DATE_RULE = {
    "validate": "date",
    "criteria": "between",
    "minimum": FIRST_DAY,
    "maximum": LAST_DAY,
    "error_message": "Expected a date (YYYY-MM-DD).",
}
NUMBER_LIMIT = 1e15
INLINE_LIST_CHARS = 255  # Excel's limit for a drop-down written into the rule itself


def header_note(c: Column) -> str:
    """The header comment of one column: description, type, whether required, the rule."""
    from sceval.tables_doc import rule_text

    need = "optional (may be blank)" if c.nullable else "required"
    kind = {"date": "date (YYYY-MM-DD)", "bool": "true / false"}.get(c.type, c.type)
    rule = rule_text(c, markdown=False)
    return f"{c.name}: {c.description}\n{kind}, {need}" + ("" if rule == "-" else f"\n{rule}")


class _Lists:
    """Long drop-down lists, one column each on the hidden `_lists` sheet."""

    def __init__(self, workbook: Any) -> None:
        self.sheet = workbook.add_worksheet(LISTS)
        self.sheet.hide()
        self.columns: dict[tuple[str, ...], str] = {}

    def source(self, title: str, values: Sequence[str]) -> str:
        key = tuple(values)
        if key not in self.columns:
            col = len(self.columns)
            self.sheet.write_string(0, col, title)
            for i, v in enumerate(values, start=1):
                self.sheet.write_string(i, col, v)
            letter = column_letter(col)
            last = max(len(values), 1) + 1
            self.columns[key] = f"={LISTS}!${letter}$2:${letter}${last}"
        return self.columns[key]


def _list_rule(values: Sequence[str], lists: _Lists, title: str, *, strict: bool) -> dict:
    if len(",".join(values)) <= INLINE_LIST_CHARS and not any("," in v for v in values):
        source: Any = list(values)
    else:
        source = lists.source(title, values)
    rule = {"validate": "list", "source": source}
    if not strict:
        # Excel warns but keeps the value: a new id may be added in its own sheet today.
        rule["error_type"] = "warning"
        rule["error_message"] = "Not in the list; keep it only if you add it where it belongs."
    else:
        rule["error_message"] = "Choose a value from the list (codes are case-sensitive)."
    return rule


def _number_rule(c: Column) -> dict | None:
    kind = "integer" if c.type == "int" else "decimal"
    low = c.min if c.min is not None else -NUMBER_LIMIT
    high = c.max if c.max is not None else NUMBER_LIMIT
    if kind == "integer":
        low, high = int(low), int(high)
    return {
        "validate": kind,
        "criteria": "between",
        "minimum": low,
        "maximum": high,
        "error_message": f"Expected {'a whole number' if kind == 'integer' else 'a number'}"
        f" between {low:g} and {high:g}.",
    }


class TemplateWriter:
    """One workbook: instructions, one sheet per table, hidden lists, rating items."""

    def __init__(
        self,
        project: Project,
        out: Path,
        *,
        warehouse_ids: dict[str, list[str]] | None = None,
        models: list[Any] | None = None,
    ) -> None:
        import xlsxwriter

        self.project = project
        self.out = out
        self.ids = warehouse_ids or {}
        self.models = models or []
        self.book = xlsxwriter.Workbook(str(out))
        self.fmt = {
            "required": self.book.add_format(
                {"bold": True, "bg_color": "#DDEBF7", "border": 1, "locked": True}
            ),
            "optional": self.book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1}),
            "date": self.book.add_format({"num_format": "yyyy-mm-dd"}),
            "text": self.book.add_format({"num_format": "@"}),
            "title": self.book.add_format({"bold": True, "font_size": 14}),
            "bold": self.book.add_format({"bold": True}),
            "wrap": self.book.add_format({"text_wrap": True, "valign": "top"}),
        }

    def write(self, tables: Sequence[str]) -> None:
        contracts = [self.project.contract(t) for t in tables]
        self._instructions(contracts)
        sheets = [self.book.add_worksheet(c.name) for c in contracts]
        self.lists = _Lists(self.book)
        for c, ws in zip(contracts, sheets, strict=True):
            self._table(c, ws, [x.name for x in contracts])
        if self.models and "partnership_ratings" in tables:
            self._rating_items()
        self.book.close()

    def _instructions(self, contracts: list[TableContract]) -> None:
        ws = self.book.add_worksheet(INSTRUCTIONS)
        ws.set_column(0, 0, 26)
        ws.set_column(1, 1, 100)
        ws.write(0, 0, "sceval entry workbook", self.fmt["title"])
        lines = [
            (
                "How to fill",
                "One sheet per table, named after it. Type one row per record "
                "under the header; do not rename sheets or header cells.",
            ),
            ("Header colours", "Blue: required (every row needs a value). Grey: optional."),
            (
                "Help",
                "Point at a header cell: its note gives the description, type and rule. "
                "Drop-downs list the allowed codes; dates are checked as dates, numbers against "
                "the contract's bounds.",
            ),
            (
                "Dates",
                "Type dates as dates (2026-06-30); a date typed as a number of days "
                "(Excel's serial) is read as that date.",
            ),
            (
                "Load",
                f"sceval validate {self.out.name}   then   sceval load {self.out.name}  "
                "(errors name the sheet and cell, e.g. participants!D17).",
            ),
            (
                "Not data",
                "Sheets whose names begin with _ (this one, _lists, _rating_items) "
                "are never loaded.",
            ),
            (
                "Generated",
                f"{dt.date.today().isoformat()} from the contracts in "
                f"{self.project.path('schemas')} (see docs/tables.md).",
            ),
        ]
        for i, (k, v) in enumerate(lines, start=2):
            ws.write(i, 0, k, self.fmt["bold"])
            ws.write(i, 1, v, self.fmt["wrap"])
        row = len(lines) + 3
        ws.write(row, 0, "Table", self.fmt["bold"])
        ws.write(row, 1, "What one row is", self.fmt["bold"])
        for i, c in enumerate(contracts, start=row + 1):
            ws.write_url(i, 0, f"internal:'{c.name}'!A1", string=c.name)
            ws.write(i, 1, " ".join(c.description.split()), self.fmt["wrap"])
        ws.activate()

    def _table(self, c: TableContract, ws: Any, in_book: list[str]) -> None:
        for j, col in enumerate(c.columns):
            ws.write_string(0, j, col.name, self.fmt["optional" if col.nullable else "required"])
            ws.write_comment(0, j, header_note(col), {"x_scale": 2.2, "y_scale": 1.6})
            width = max(12, min(40, len(col.name) + 4))
            cell_fmt = self.fmt["date"] if col.type == "date" else None
            if col.type == "str":
                cell_fmt = self.fmt["text"]  # ids such as 007 stay text
            ws.set_column(j, j, width, cell_fmt)
            rule = self._rule(c, col, in_book)
            if rule is not None:
                rule.setdefault("input_title", col.name[:32])
                rule.setdefault("input_message", " ".join(col.description.split())[:255])
                ws.data_validation(1, j, ROWS, j, rule)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, 0, len(c.columns) - 1)

    def _rule(self, c: TableContract, col: Column, in_book: list[str]) -> dict | None:
        from sceval.contracts.suites import code_list

        if col.values is not None:
            return _list_rule(col.values, self.lists, f"{c.name}.{col.name}", strict=True)
        if col.type == "bool":
            return _list_rule(["true", "false"], self.lists, "bool", strict=True)
        if col.format in ("iso3166_alpha3", "iso4217"):
            codes = list(code_list(col.format))
            if col.format == "iso3166_alpha3":
                codes += [x for x in self.project.settings.get("user_assigned_countries", ["XKX"])]
            return _list_rule(sorted(set(codes)), self.lists, col.format, strict=True)
        if col.references:
            table, key = col.references.split(".", 1)
            if table in self.ids:
                return _list_rule(self.ids[table], self.lists, col.references, strict=False)
            if table in in_book:
                # Without a warehouse, the ids typed in the referenced sheet of this workbook.
                j = self.project.contract(table).column_names.index(key)
                letter = column_letter(j)
                return {
                    "validate": "list",
                    "source": f"='{table}'!${letter}$2:${letter}${ROWS + 1}",
                    "error_type": "warning",
                    "error_message": f"Not an id of the {table} sheet.",
                }
        if c.name == "partnership_ratings" and self.models:
            return self._rating_rule(col)
        if col.type in ("int", "float"):
            return _number_rule(col)
        if col.type == "date":
            return dict(DATE_RULE)
        return None

    def _rating_rule(self, col: Column) -> dict | None:
        if col.name == "model_id":
            return _list_rule([m.id for m in self.models], self.lists, "models", strict=True)
        if col.name == "case_id":
            cases = sorted({k for m in self.models for k in m.cases})
            return _list_rule(cases, self.lists, "cases", strict=False) if cases else None
        if col.name == "item_id":
            items = [i.id for m in self.models for i in m.items]
            return _list_rule(items, self.lists, "items", strict=True)
        if col.name == "rating_text":
            words = list(dict.fromkeys(w for m in self.models for w in m.ratings))
            # Qualified texts ("Yes, among EU members") are valid too: warn, do not refuse.
            return _list_rule(words, self.lists, "ratings", strict=False)
        if col.name == "rated_on":
            return dict(DATE_RULE)
        return None

    def _rating_items(self) -> None:
        """The models' items with the paper's wording and the rating words each model takes."""
        ws = self.book.add_worksheet(RATING_ITEMS)
        head = [
            "model_id",
            "dimension",
            "item_id",
            "label",
            "wording (the paper's)",
            "citation",
            "allowed ratings",
        ]
        for j, h in enumerate(head):
            ws.write_string(0, j, h, self.fmt["required"])
        for j, w in enumerate([18, 22, 30, 36, 70, 40, 50]):
            ws.set_column(j, j, w, self.fmt["wrap"] if j in (4, 6) else None)
        row = 1
        for m in self.models:
            words = ", ".join(m.ratings)
            for d in m.dimensions:
                for it in d.items:
                    ws.write_row(
                        row,
                        0,
                        [
                            m.id,
                            d.label,
                            it.id,
                            it.label,
                            " ".join(it.wording.split()),
                            it.citation,
                            words,
                        ],
                    )
                    row += 1
        ws.freeze_panes(1, 0)


def warehouse_ids(db: str | os.PathLike[str], project: Project, tables: Sequence[str]) -> dict:
    """The key values already stored for every table the chosen tables reference."""
    from sceval.warehouse import connect

    wanted = {}
    for t in tables:
        for col in project.contract(t).columns:
            if col.references:
                table, key = col.references.split(".", 1)
                wanted[table] = key
    con = connect(db, read_only=True)
    try:
        stored = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        return {
            table: [
                str(r[0])
                for r in con.execute(
                    f'SELECT DISTINCT "{key}" FROM "{table}" WHERE "{key}" IS NOT NULL ORDER BY 1'
                ).fetchall()
            ]
            for table, key in wanted.items()
            if table in stored
        }
    finally:
        con.close()


def template_command(
    tables: Sequence[str],
    *,
    out: Path,
    project: Project,
    db: str | os.PathLike[str] | None = None,
    model: str | None = None,
) -> Path:
    """`sceval template`: write the entry workbook and say what is in it."""
    from sceval.partnership.model import load_models

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"--out {out}: the template is an Excel workbook; name it *.xlsx")
    if not out.parent.exists():
        raise UsageError(f"--out {out}: folder {out.parent} does not exist")
    chosen = list(tables) or list(project.contracts)
    for t in chosen:
        project.contract(t)  # an unknown table is one clear line, naming the known ones
    models = load_models(project, model) if "partnership_ratings" in chosen else []
    ids = warehouse_ids(db, project, chosen) if db is not None else {}
    tmp = out.with_name(f".{out.name}.part")
    try:
        TemplateWriter(project, tmp, warehouse_ids=ids, models=models).write(chosen)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    extra = f"; drop-downs of ids from {db}" if db is not None else ""
    items = sum(len(m.items) for m in models)
    rating = f"; {items} rating items of {', '.join(m.id for m in models)}" if models else ""
    print(f"wrote {out}: {len(chosen)} table sheet(s) ({', '.join(chosen)}){rating}{extra}")
    return out
