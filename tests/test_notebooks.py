"""The report notebooks: committed clean, narrative and calls only, runnable.

The structural checks read the .ipynb files; one test executes
edition_report.ipynb with papermill (select it with ``-m notebook``).
"""

import ast
import io
import re
import tokenize

import nbformat
import pandas as pd
import pytest

from baro.paths import editions_dir, notebooks_dir

NOTEBOOKS = {
    "edition_report.ipynb": {
        "edition": ("int", 2014),
        "data_dir": ("str", ""),
        "confidence_level": ("float", 0.95),
        "seed": ("int", 12345),
        "language": ("str", "fr"),
        "output_dir": ("str", ""),
        "weighting": ("str", "none"),
    },
    "trends.ipynb": {
        "editions": ("list", [2013, 2014, 2015]),
        "confidence_level": ("float", 0.95),
        "seed": ("int", 12345),
        "language": ("str", "fr"),
        "output_dir": ("str", ""),
    },
}

#: IPython lines a notebook may hold: they change nothing under papermill and
#: spare a researcher a kernel restart after each edit of baro/.
ALLOWED_MAGICS = re.compile(r"^\s*(%load_ext autoreload|%autoreload( [0-2])?|%matplotlib( \w+)?)\s*$")

#: Most lines of code of edition_report.ipynb (chapters are one-line calls to baro).
MAX_CODE_LINES = 110


def read(name):
    return nbformat.read(notebooks_dir() / name, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(params=sorted(NOTEBOOKS), ids=lambda n: n.removesuffix(".ipynb"))
def name(request):
    return request.param


def test_committed_without_outputs(name):
    nb = read(name)
    for i, cell in enumerate(code_cells(nb)):
        assert cell.outputs == [], f"{name}: code cell {i} has outputs"
        assert cell.execution_count is None, f"{name}: code cell {i} has an execution count"


def test_kernel_is_baro(name):
    spec = read(name).metadata["kernelspec"]
    assert spec["name"] == "baro" and spec["display_name"] == "Python (baro)"


def test_parameters_cell_typed_literals_with_comments(name):
    cells = code_cells(read(name))
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{name}: one cell tagged 'parameters' expected"
    assert cells[0] is tagged[0], f"{name}: the parameters cell comes first"
    source = tagged[0].source
    found = {}
    for stmt in ast.parse(source).body:
        assert isinstance(stmt, ast.AnnAssign), f"{name}: not a typed assignment: {ast.unparse(stmt)}"
        assert isinstance(stmt.annotation, ast.Name)
        found[stmt.target.id] = (stmt.annotation.id, ast.literal_eval(stmt.value))
    assert found == NOTEBOOKS[name]
    commented = {
        tok.start[0]
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT and len(tok.string.strip("# ")) > 3
    }
    lines = [i for i, line in enumerate(source.splitlines(), 1) if line.strip()]
    assert set(lines) <= commented, f"{name}: every parameter needs a comment"


def test_no_def_class_magic_or_warning_filter(name):
    for i, cell in enumerate(code_cells(read(name))):
        lines = cell.source.splitlines()
        src = "\n".join("" if ALLOWED_MAGICS.match(line) else line for line in lines)
        assert "%" not in re.sub(r"(\"[^\"]*\"|'[^']*')", "", src).replace("%}", ""), (
            f"{name}: cell {i} uses an IPython magic"
        )
        tree = ast.parse(src)
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)), (
                f"{name}: cell {i} defines a function or class"
            )
        assert "filterwarnings" not in src and "simplefilter" not in src


def test_autoreload_and_matplotlib_lines_are_allowed_other_magics_not():
    for line in ("%load_ext autoreload", "%autoreload 2", "%matplotlib inline", "%matplotlib"):
        assert ALLOWED_MAGICS.match(line), line
    for line in ("%time x = 1", "%run other.ipynb", "!pip install x", "%autoreload 2; import os"):
        assert not ALLOWED_MAGICS.match(line), line


def test_edition_report_is_short():
    lines = [line for c in code_cells(read("edition_report.ipynb")) for line in c.source.splitlines() if line.strip()]
    assert len(lines) <= MAX_CODE_LINES, f"edition_report.ipynb has {len(lines)} lines of code (at most {MAX_CODE_LINES})"


#: A year or a range of years, which a heading may name ("2013–2015").
YEARS = re.compile(r"\b(19|20)\d\d(\s*[–-]\s*(19|20)\d\d)?\b")


def typed_figures(markdown: str) -> list[str]:
    """Digits of a markdown text, except years in headings."""
    found = []
    for line in markdown.splitlines():
        if line.startswith("#"):
            line = YEARS.sub("", line)
        found += re.findall(r".{0,20}\d.{0,20}", line)
    return found


def test_markdown_has_no_figures(name):
    """No number is typed in markdown: every figure comes from code."""
    for i, cell in enumerate(read(name).cells):
        if cell.cell_type == "markdown":
            digits = typed_figures(cell.source)
            assert not digits, f"{name}: markdown cell {i} holds digits: {digits}"


def test_headings_chapters_and_sections_only(name):
    nb = read(name)
    headings = [
        line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
        if line.startswith("#")
    ]
    assert headings and headings[0].startswith("# "), f"{name}: starts with a chapter, no title"
    assert all(re.match(r"#{1,2} \S", h) for h in headings), headings


def test_the_digit_check_would_fail(tmp_path):
    """The markdown check is not vacuous: a typed figure is caught, a year in a heading is not."""
    assert typed_figures("Le panel compte 38 villes")
    assert typed_figures("# Panel de 38 villes") and typed_figures("En 2014, 38 villes")
    assert typed_figures("Les éditions 2013–2015 comptent plus de villes")  # a year in prose is a figure
    assert not typed_figures("# Évolution 2013–2015\n\n## Les parts en 2014")


def _execute(tmp_path, notebook, **parameters):
    """Run ``notebook`` with papermill into ``tmp_path/executed.ipynb``; return the executed notebook."""
    import papermill as pm

    pm.execute_notebook(
        str(notebooks_dir() / notebook),
        str(tmp_path / "executed.ipynb"),
        parameters=parameters,
        kernel_name="baro",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    return nbformat.read(tmp_path / "executed.ipynb", as_version=4)


def _html(executed):
    """The HTML outputs of an executed notebook's code cells, joined."""
    return "".join(
        "".join(o.get("data", {}).get("text/html", "")) for c in executed.cells if c.cell_type == "code"
        for o in c.outputs
    )


@pytest.mark.notebook
def test_edition_report_runs_and_writes_tables_and_figures(tmp_path):
    out = tmp_path / "out"
    executed = _execute(tmp_path, "edition_report.ipynb", edition=2014, output_dir=str(out))
    tables = {p.stem for p in (out / "tables").glob("*.csv")}
    figures = {p.name for p in (out / "figures").iterdir()}
    assert {"domain_shares", "domain_pairwise", "reconciliation", "clustering", "objectives_ranking",
            "citizens_residuals", "decision_shares", "management_shares"} <= tables
    for fig in ("domain_shares", "objectives_ranking", "citizens_residuals", "management_shares"):
        assert {f"{fig}.png", f"{fig}.svg"} <= figures
    shares = pd.read_csv(out / "tables" / "domain_shares.csv")
    assert shares.set_index("level").loc[["transport", "education"], "count"].tolist() == [131, 125]
    assert shares["count"].sum() == 810
    rec = pd.read_csv(out / "tables" / "reconciliation.csv").set_index("id")
    assert rec.loc["domains_top_three_percent", "verdict"] == "inconsistent"
    html = _html(executed)
    # every table shown has its CSV, and every figure its files
    shown_tables = set(re.findall(r'id="tab-([a-z0-9_-]+)"', html))
    shown_figures = set(re.findall(r'id="fig-([a-z0-9_-]+)"', html))
    assert shown_tables == tables
    assert {f"{n}.png" for n in shown_figures} | {f"{n}.svg" for n in shown_figures} == figures
    assert "SIMULATED" in html
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors


@pytest.mark.notebook
def test_trends_runs_and_its_change_tables_carry_pvalues(tmp_path):
    out = tmp_path / "out"
    _execute(tmp_path, "trends.ipynb", editions=[2013, 2014, 2015], output_dir=str(out))
    tables = {p.stem for p in (out / "tables").glob("*.csv")}
    assert {"changes_2013_2014", "changes_2014_2015", "education_change", "domain_shares_by_edition"} <= tables
    for name in ("changes_2013_2014", "changes_2014_2015", "education_change"):
        frame = pd.read_csv(out / "tables" / f"{name}.csv")
        assert "pvalue" in frame.columns and frame["pvalue"].between(0, 1).all()
    edu = pd.read_csv(out / "tables" / "education_change.csv")
    assert edu["level"].tolist() == ["education", "education"]
    assert edu["method"].tolist() == ["avec grappes (villes)", "sans grappes"]
    # same shares, clustering widens the interval
    assert edu["difference"].nunique() == 1
    assert (edu["ci_high"] - edu["ci_low"]).iloc[0] > (edu["ci_high"] - edu["ci_low"]).iloc[1]
    assert {"domain_shares_by_edition.png", "education_by_edition.svg"} <= {p.name for p in (out / "figures").iterdir()}


@pytest.mark.notebook
def test_edition_report_runs_without_an_objectives_table(tmp_path):
    """Objectives are optional on import: the report says the chapter is empty."""
    import shutil

    data = tmp_path / "data"
    data.mkdir()
    for table in ("cities", "projects"):
        shutil.copy(editions_dir() / "2014" / f"{table}.csv", data / f"{table}.csv")
    out = tmp_path / "out"
    executed = _execute(tmp_path, "edition_report.ipynb", edition=2014, data_dir=str(data), output_dir=str(out))
    tables = {p.stem for p in (out / "tables").glob("*.csv")}
    assert "domain_shares" in tables
    assert not {"objectives_ranking", "objectives_mcnemar"} & tables
    assert "pas de table des objectifs" in _html(executed)


@pytest.mark.notebook
def test_edition_report_in_english(tmp_path):
    """language="en": baro's sentences, headers, captions and labels are English, the tables' values the same."""
    out = tmp_path / "out"
    executed = _execute(tmp_path, "edition_report.ipynb", edition=2014, language="en", output_dir=str(out))
    shown = "".join(
        "".join(o.get("data", {}).get(mime, "")) for c in executed.cells if c.cell_type == "code"
        for o in c.outputs for mime in ("text/html", "text/markdown")
    )
    # the published figures are quoted as published: leave them out (the reconciliation table, the list of
    # inconsistent figures)
    shown = re.sub(r'<table class="baro-table" id="tab-reconciliation">.*?</table>', "", shown, flags=re.S)
    shown = re.sub(r"^- \*\*.*?\*\*", "", shown, flags=re.M)
    shown = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", shown)
    for english in ("The panel has 38 cities and 810 projects", "Projects by domain", "Design effect", "CI low",
                    "Education", "Kendall's W", "df = ", "Simulated data"):
        assert english in shown, english
    for french in ("Le panel", "Projets", "Effet de plan", "IC bas", "Éducation", "ddl", "selon la ville", "Données simulées",
                   " soit ", "\u00a0%"):
        assert french not in shown, french
    shares = pd.read_csv(out / "tables" / "domain_shares.csv")
    assert shares.set_index("level").loc[["transport", "education"], "count"].tolist() == [131, 125]
