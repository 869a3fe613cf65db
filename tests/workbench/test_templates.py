"""Entry templates: a workbook per the contracts, filled through openpyxl, loads back to the
same warehouse content as the CSVs; a bad cell is named by sheet and cell."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import openpyxl
import pytest

from sceval.project import Project

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "data"


def _typed(value: str, kind: str, *, serial: bool):
    """A CSV cell as a person's spreadsheet holds it: numbers, booleans and dates typed."""
    if value == "":
        return None
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return value.strip().lower() in ("true", "t", "yes", "y", "1")
    if kind == "date":
        day = dt.date.fromisoformat(value)
        # Some dates as Excel serials in cells without a date format.
        return (day - dt.date(1899, 12, 30)).days if serial else day
    return value


def fill(template: Path, out: Path, project: Project, folder: Path) -> None:
    book = openpyxl.load_workbook(template)
    for name, contract in project.contracts.items():
        ws = book[name]
        header = [c.value for c in ws[1]]
        assert header == contract.column_names
        kinds = [contract.column(h).type for h in header]
        with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            for i, rec in enumerate(csv.DictReader(fh)):
                for j, (h, k) in enumerate(zip(header, kinds, strict=True), start=1):
                    v = _typed(rec[h], k, serial=(i % 2 == 1))
                    if v is None:
                        continue
                    cell = ws.cell(row=i + 2, column=j, value=v)
                    if k == "date" and isinstance(v, dt.date):
                        cell.number_format = "yyyy-mm-dd"
    book.save(out)


def _content(db: Path, project: Project) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall()
            for t in project.contracts
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def seed_book(tmp_path_factory, project):
    tmp = tmp_path_factory.mktemp("tpl")
    from sceval.templates import template_command

    template = template_command([], out=tmp / "template.xlsx", project=project)
    filled = tmp / "filled.xlsx"
    fill(template, filled, project, SEED)
    return tmp, template, filled


def test_template_has_every_input_table_with_contract_columns(seed_book, project):
    _, template, _ = seed_book
    book = openpyxl.load_workbook(template)
    assert book.sheetnames[0] == "_instructions"
    for name, contract in project.contracts.items():
        ws = book[name]
        assert [c.value for c in ws[1]] == contract.column_names
        assert ws.freeze_panes == "A2"
        # every header carries its description as a note
        for cell, col in zip(ws[1], contract.columns, strict=True):
            assert cell.comment is not None and col.description.split()[0] in cell.comment.text
    assert "_lists" in book.sheetnames and book["_lists"].sheet_state == "hidden"


def test_template_validations_follow_the_contract(seed_book):
    _, template, _ = seed_book
    book = openpyxl.load_workbook(template)
    ws = book["participants"]
    rules = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    sex = rules["D2"]  # participants: sex is the 4th column
    assert sex.type == "list" and sex.formula1 == '"F,M,X,unknown"'
    age = rules["E2"]
    # "between" is the default operator, left out of the file
    assert (age.type, age.operator or "between", age.formula1, age.formula2) == (
        "whole",
        "between",
        "16",
        "80",
    )
    score = rules["H2"]
    assert (score.type, score.formula1, score.formula2) == ("decimal", "0", "100")
    # a foreign key without --db: the ids typed in the referenced sheet, as a warning
    act = rules["B2"]
    assert act.type == "list" and act.formula1.startswith("'activities'!$A$2")
    assert act.errorStyle == "warning"
    prog = {
        str(dv.sqref).split(":")[0]: dv for dv in book["programs"].data_validations.dataValidation
    }
    assert prog["G2"].type == "date"  # start_date
    assert prog["E2"].formula1.startswith("_lists!")  # ISO country codes: a long list


def test_filled_template_loads_to_the_same_warehouse_as_the_csvs(seed_book, project, sceval_cli):
    tmp, _, filled = seed_book
    r = sceval_cli("load", str(filled), "--db", str(tmp / "xlsx.duckdb"))
    assert r.returncode == 0, r.stderr
    assert "loaded" in r.stdout
    r = sceval_cli("load", str(SEED), "--db", str(tmp / "csv.duckdb"))
    assert r.returncode == 0, r.stderr
    a, b = _content(tmp / "xlsx.duckdb", project), _content(tmp / "csv.duckdb", project)
    for t in project.contracts:
        assert len(a[t]) == len(b[t]) > 0, t
        assert a[t] == b[t], t


def test_a_bad_cell_is_named_by_sheet_and_cell(tmp_path, project, sceval_cli):
    from sceval.templates import template_command

    template = template_command(
        ["programs", "activities", "units", "participants"],
        out=tmp_path / "t.xlsx",
        project=project,
    )
    book = openpyxl.load_workbook(template)
    with (SEED / "programs.csv").open(encoding="utf-8") as fh:
        programs = list(csv.DictReader(fh))
    ws = book["programs"]
    for rec in programs:
        ws.append([rec[c] or None for c in project.contract("programs").column_names])
    # participants: 16 good rows, then one with age 'abc' on data row 17 (sheet row 18)
    with (SEED / "activities.csv").open(encoding="utf-8") as fh:
        acts = [r for r in csv.DictReader(fh) if r["kind"] == "training"]
    ws = book["activities"]
    for rec in acts[:1]:
        ws.append([rec[c] or None for c in project.contract("activities").column_names])
    ws = book["participants"]
    for i in range(17):
        age = "abc" if i == 16 else 30
        ws.append(
            [
                f"P{i}",
                acts[0]["activity_id"],
                None,
                "F",
                age,
                "officer",
                True,
                None,
                None,
                True,
                None,
            ]
        )
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    r = sceval_cli("load", str(bad), "--db", str(tmp_path / "wh.duckdb"))
    assert r.returncode == 1
    assert "participants!E18" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    r = sceval_cli("validate", str(bad))
    assert r.returncode == 1 and "participants!E18" in r.stdout


def test_template_with_warehouse_ids_and_a_rating_model(tmp_path, project, sceval_cli):
    db = tmp_path / "wh.duckdb"
    assert sceval_cli("load", str(SEED / "programs.csv"), "--db", str(db)).returncode == 0
    out = tmp_path / "ratings.xlsx"
    r = sceval_cli(
        "template",
        "activities",
        "partnership_ratings",
        "--model",
        "attina2005",
        "--db",
        str(db),
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.strip().splitlines()) == 1 and str(out) in r.stdout
    book = openpyxl.load_workbook(out)
    # the program ids stored in the warehouse, as the drop-down of activities.program_id
    acts = {
        str(dv.sqref).split(":")[0]: dv for dv in book["activities"].data_validations.dataValidation
    }
    with (SEED / "programs.csv").open(encoding="utf-8") as fh:
        ids = sorted(r["program_id"] for r in csv.DictReader(fh))
    assert acts["B2"].formula1 == '"' + ",".join(ids) + '"'
    assert acts["B2"].errorStyle == "warning"  # a new program may be added in its own sheet
    items = book["_rating_items"]
    rows = list(items.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 15  # Attinà's fifteen items
    first = rows[0]
    assert first[0] == "attina2005" and first[2] == "awareness_interdependence"
    assert "awareness of the countries of the region for interdependence" in first[4]
    assert "Medium/low" in first[6] and "Uncertain" in first[6]
    rating = {
        str(dv.sqref).split(":")[0]: dv
        for dv in book["partnership_ratings"].data_validations.dataValidation
    }
    assert rating["C2"].type == "list"  # item_id from the model


def test_template_refuses_unknown_table_and_wrong_suffix(tmp_path, sceval_cli):
    r = sceval_cli("template", "nope", "--out", str(tmp_path / "x.xlsx"))
    assert r.returncode == 2 and "unknown table 'nope'" in r.stderr
    r = sceval_cli("template", "--out", str(tmp_path / "x.csv"))
    assert r.returncode == 2 and ".xlsx" in r.stderr
    assert not (tmp_path / "x.xlsx").exists()
