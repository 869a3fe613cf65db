"""Writes `tests/fixtures/bad/<case>/`: one defective input per case, from the valid fixtures.

Each case folder holds the defective file (named after its table, so the defect is the only
problem), any valid companion table a cross-table rule needs, and `case.yml` with the exit
code and the words the error must contain (file, row, column). Run it to regenerate:
`python tests/contracts/make_bad_corpus.py`. The 100 MB line is made at test time, not here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import yaml

HERE = Path(__file__).resolve().parent
VALID = HERE.parent / "fixtures" / "valid"
BAD = HERE.parent / "fixtures" / "bad"


def text(table: str) -> str:
    return (VALID / f"{table}.csv").read_text(encoding="utf-8")


def replace(table: str, old: str, new: str, count: int = 1) -> str:
    t = text(table)
    assert old in t, (table, old)
    return t.replace(old, new, count)


def frame(table: str) -> pl.DataFrame:
    return pl.read_csv(VALID / f"{table}.csv", infer_schema=False)


CASES: dict[str, dict] = {}


def case(
    name: str,
    file: str,
    content: str | bytes,
    expect: list[str],
    *,
    exit: int = 1,
    why: str,
    companions=(),
):
    CASES[name] = {
        "file": file,
        "content": content,
        "expect": expect,
        "exit": exit,
        "why": why,
        "companions": list(companions),
    }


def build() -> None:
    progs = text("programs")
    case(
        "missing_column",
        "programs.csv",
        "\n".join(
            ",".join(line.split(",")[:9] + line.split(",")[10:]) for line in progs.splitlines()[:3]
        )
        + "\n",
        ["programs.csv", "currency", "missing"],
        why="required column currency absent",
    )
    case(
        "wrong_type_int",
        "participants.csv",
        replace("participants", "X002,A1,U1,F,34", "X002,A1,U1,F,thirty-four"),
        ["participants.csv", "row 2", "age", "thirty-four"],
        why="text in an int column",
    )
    case(
        "unparseable_date",
        "programs.csv",
        replace("programs", "2021-03-01", "01/03/2021"),
        ["programs.csv", "row 2", "start_date", "01/03/2021"],
        why="date not ISO 8601",
    )
    case(
        "impossible_date",
        "units.csv",
        replace("units", "2021-11-15", "2021-02-30"),
        ["units.csv", "row 1", "vetting_date"],
        why="30 February",
    )
    case(
        "out_of_range_age",
        "participants.csv",
        replace("participants", "X003,A1,U1,M,22", "X003,A1,U1,M,12"),
        ["participants.csv", "row 3", "age", "12"],
        why="age below 16",
    )
    case(
        "out_of_range_share",
        "activities.csv",
        replace("activities", "true,0.2,", "true,1.5,"),
        ["activities.csv", "row 1", "partner_cost_share", "1.5"],
        why="share above 1",
    )
    case(
        "score_over_100",
        "participants.csv",
        replace("participants", "45,78,true,30", "45,130,true,30"),
        ["participants.csv", "row 1", "post_score", "130"],
        why="score above 100",
    )
    case(
        "unknown_enum",
        "activities.csv",
        replace("activities", ",training,Boarding", ",cooking,Boarding"),
        ["activities.csv", "row 1", "kind", "cooking"],
        why="kind not in its value set",
    )
    case(
        "wrong_case_enum",
        "participants.csv",
        replace("participants", "X002,A1,U1,F,", "X002,A1,U1,f,"),
        ["participants.csv", "row 2", "sex", "'f'"],
        why="codes are case-sensitive",
    )
    case(
        "unknown_country",
        "programs.csv",
        replace("programs", ",TUN,MENA", ",XYZ,MENA"),
        ["programs.csv", "row 1", "partner_country", "XYZ"],
        why="not an ISO 3166-1 alpha-3 code",
    )
    case(
        "lowercase_country",
        "events.csv",
        replace("events", ",TUN,,protest", ",tun,,protest"),
        ["events.csv", "row 3", "country", "tun"],
        why="ISO codes are upper case",
    )
    case(
        "alpha2_country",
        "units.csv",
        replace("units", "U1,TUN,", "U1,TN,"),
        ["units.csv", "row 1", "partner_country", "TN"],
        why="alpha-2 where alpha-3 is required",
    )
    case(
        "unknown_currency",
        "programs.csv",
        replace("programs", ",USD,", ",DOLLARS,"),
        ["programs.csv", "row 3", "currency", "DOLLARS"],
        why="not an ISO 4217 code",
    )
    case(
        "duplicate_key",
        "programs.csv",
        progs + progs.splitlines()[2] + "\n",
        ["programs.csv", "row 2", "row 4", "program_id", "P2"],
        why="program_id twice",
    )
    case(
        "duplicate_compound_key",
        "participants.csv",
        text("participants") + "X002,A1,U1,F,34,officer,true,1,2,true,3\n",
        ["participants.csv", "row 2", "row 7", "participant_id, activity_id"],
        why="person twice in one activity",
    )
    case(
        "orphan_fk",
        "activities.csv",
        replace("activities", "A4,P2,", "A4,P404,"),
        ["activities.csv", "row 4", "program_id", "P404"],
        why="program that does not exist",
        companions=["programs"],
    )
    case(
        "orphan_unit_fk",
        "incidents.csv",
        replace("incidents", "I2,U2,", "I2,U77,"),
        ["incidents.csv", "row 2", "unit_id", "U77"],
        why="unit that does not exist",
        companions=["units"],
    )
    case("empty_file", "programs.csv", b"", ["programs.csv", "empty"], why="zero bytes")
    case("blank_lines_only", "units.csv", "\n\n  \n", ["units.csv", "empty"], why="whitespace only")
    case(
        "header_only",
        "programs.csv",
        progs.splitlines()[0] + "\n",
        ["programs.csv", "no data rows"],
        why="header, no rows",
    )
    case(
        "wrong_delimiter",
        "units.csv",
        text("units").replace(",", ":"),
        ["units.csv", "unit_id", "missing", "delimiter"],
        why="colon-separated",
    )
    case(
        "mixed_delimiter",
        "incidents.csv",
        text("incidents").splitlines()[0]
        + "\n"
        + "\n".join(line.replace(",", ";") for line in text("incidents").splitlines()[1:])
        + "\n",
        ["incidents.csv", "row 1", "single field"],
        why="header with commas, rows with semicolons",
    )
    case(
        "ragged_row",
        "dialogues.csv",
        replace("dialogues", ",false\n", ",false,extra\n"),
        ["dialogues.csv", "row 1", "fields"],
        why="one row with an extra field",
    )
    case(
        "latin1_bytes",
        "programs.csv",
        replace("programs", "Sahel Training Mission", "Sahel Formación Misión").encode("latin-1"),
        ["programs.csv", "line 3", "UTF-8"],
        why="Latin-1 export",
    )
    case(
        "binary_garbage",
        "events.csv",
        bytes(range(256)) * 8,
        ["events.csv", "UTF-8"],
        why="not text",
    )
    case(
        "nan_in_float",
        "programs.csv",
        replace("programs", "1500000,EUR", "NaN,EUR"),
        ["programs.csv", "row 1", "budget", "NaN"],
        why="NaN is not a number here",
    )
    case(
        "infinity_in_float",
        "equipment.csv",
        replace("equipment", ",800000", ",inf"),
        ["equipment.csv", "row 1", "value", "inf"],
        why="infinity",
    )
    case(
        "negative_budget",
        "programs.csv",
        replace("programs", "250000,USD", "-250000,USD"),
        ["programs.csv", "row 3", "budget", "-250000"],
        why="budget below 0",
    )
    case(
        "end_before_start",
        "programs.csv",
        replace("programs", "2022-01-01,2025-12-31", "2022-01-01,2021-12-31"),
        ["programs.csv", "row 1", "end_date", "start_date"],
        why="program ends before it starts",
    )
    case(
        "planned_end_before_start",
        "activities.csv",
        replace("activities", "2023-01-10,2023-01-20", "2023-01-10,2023-01-01"),
        ["activities.csv", "row 4", "planned_end"],
        why="activity ends before it starts",
    )
    case(
        "women_exceed_total",
        "dialogues.csv",
        replace("dialogues", "24,6,3", "24,30,3"),
        ["dialogues.csv", "row 1", "participants_women"],
        why="more women than participants",
    )
    case(
        "float_in_int",
        "dialogues.csv",
        replace("dialogues", "40,12,0", "40.5,12,0"),
        ["dialogues.csv", "row 2", "participants_total", "40.5"],
        why="fraction of a person",
    )
    case(
        "bool_garbage",
        "activities.csv",
        replace("activities", "Mopti,U2,true", "Mopti,U2,maybe"),
        ["activities.csv", "row 3", "co_designed", "maybe"],
        why="not a boolean",
    )
    case(
        "null_required",
        "programs.csv",
        replace("programs", "P2,Sahel Training Mission", "P2,"),
        ["programs.csv", "row 2", "name"],
        why="required name blank",
    )
    case(
        "duplicate_header",
        "context.csv",
        replace("context", "country,year", "country,country"),
        ["context.csv", "country", "more than once"],
        why="a column twice in the header",
    )
    case(
        "participant_in_dialogue",
        "participants.csv",
        text("participants") + "X009,A5,,F,30,civilian,true,,,true,\n",
        ["participants.csv", "row 7", "activity_id", "dialogue"],
        why="person-level rows only for training/education/exercise",
        companions=["activities"],
    )
    case(
        "end_use_exceeds_quantity",
        "end_use_checks.csv",
        replace("end_use_checks", "180,20", "190,20"),
        ["end_use_checks.csv", "row 2", "quantity_missing"],
        why="verified + missing above the quantity transferred",
        companions=["equipment"],
    )
    case(
        "unknown_table",
        "programmes.csv",
        progs,
        ["programmes.csv", "no known table"],
        why="file named after no table",
    )
    case(
        "unclosed_quote",
        "incidents.csv",
        replace("incidents", ",UN panel", ',"UN panel'),
        ["incidents.csv"],
        why="a quote that never closes swallows the rest of the file",
    )


def write() -> None:
    build()
    if BAD.exists():
        shutil.rmtree(BAD)
    for name, spec in CASES.items():
        d = BAD / name
        d.mkdir(parents=True)
        content = spec["content"]
        path = d / spec["file"]
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        for comp in spec["companions"]:
            shutil.copy(VALID / f"{comp}.csv", d / f"{comp}.csv")
        meta = {
            "file": spec["file"],
            "why": spec["why"],
            "exit": spec["exit"],
            "expect": spec["expect"],
        }
        (d / "case.yml").write_text(yaml.safe_dump(meta, sort_keys=False), encoding="utf-8")
    binary_cases()


def binary_cases() -> None:
    """Parquet and XLSX defects, made from the valid CSVs."""
    from sceval.contracts.files import InputFile, read_typed
    from sceval.project import Project

    project = Project(HERE.parents[1])

    def typed(table: str) -> pl.DataFrame:
        return read_typed(InputFile(VALID / f"{table}.csv", table), project).frame.drop("__row")

    def meta(name: str, file: str, expect: list[str], why: str, exit: int = 1) -> Path:
        d = BAD / name
        d.mkdir(parents=True)
        (d / "case.yml").write_text(
            yaml.safe_dump(
                {"file": file, "why": why, "exit": exit, "expect": expect}, sort_keys=False
            ),
            encoding="utf-8",
        )
        return d / file

    p = meta(
        "truncated_parquet", "programs.parquet", ["programs.parquet", "Parquet"], "file cut in half"
    )
    typed("programs").write_parquet(p)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    p = meta(
        "parquet_wrong_type",
        "participants.parquet",
        ["participants.parquet", "row 5", "age", "adult"],
        "string column where int is due",
    )
    typed("participants").with_columns(
        pl.col("age").cast(pl.String).fill_null("adult")
    ).write_parquet(p)
    p = meta(
        "parquet_missing_column",
        "units.parquet",
        ["units.parquet", "vetting_status", "missing"],
        "required column dropped",
    )
    typed("units").drop("vetting_status").write_parquet(p)
    p = meta(
        "parquet_nan",
        "activities.parquet",
        ["activities.parquet", "row 2", "planned_cost"],
        "NaN in a float column",
    )
    typed("activities").with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(float("nan"))
        .otherwise(pl.col("planned_cost"))
        .alias("planned_cost")
    ).write_parquet(p)
    p = meta(
        "xlsx_wrong_sheet",
        "programs.xlsx",
        ["programs.xlsx", "Sheet1", "no known table"],
        "two sheets, none named after a table",
    )
    import xlsxwriter

    wb = xlsxwriter.Workbook(p)
    typed("programs").write_excel(workbook=wb, worksheet="Sheet1")
    wb.add_worksheet("Notes").write(0, 0, "exported by hand")
    wb.close()
    p = meta(
        "xlsx_bad_value",
        "units.xlsx",
        ["units.xlsx", "row 2", "service", "marines"],
        "value outside the set, in a spreadsheet",
    )
    typed("units").with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("marines"))
        .otherwise(pl.col("service"))
        .alias("service")
    ).write_excel(p, worksheet="units")
    p = meta(
        "xlsx_not_a_workbook",
        "events.xlsx",
        ["events.xlsx", "XLSX"],
        "CSV bytes with an .xlsx name",
    )
    p.write_text(text("events"), encoding="utf-8")


if __name__ == "__main__":
    write()
    print(f"{len(list(BAD.iterdir()))} cases in {BAD}")
