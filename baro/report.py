"""Show tables, figures and sentences in a report notebook, and save them.

A report notebook creates one :class:`Report` and shows everything through
it. Each call displays the HTML that the exporter (:mod:`baro.run`) styles
and numbers, and, when ``output_dir`` is set, writes the same content to
files:

- :meth:`Report.show_table` displays ``<div class="baro-table-wrap"><table
  class="baro-table" id="tab-NAME">`` with values formatted by
  :mod:`baro.text`, and writes ``OUTPUT_DIR/tables/NAME.csv`` with the
  unformatted values (full precision, UTF-8, ``\\n`` line ends, identical
  bytes from one run to the next);
- :meth:`Report.show_figure` displays ``<figure class="baro-figure"
  id="fig-NAME">`` with the PNG inline, and writes
  ``OUTPUT_DIR/figures/NAME.png`` and ``NAME.svg`` (deterministic SVG);
- :meth:`Report.note` and :meth:`Report.warning` display callouts;
  :meth:`Report.say` displays a Markdown sentence.

Names are unique within a report. Every label that comes from data is
HTML-escaped.

Examples
--------
>>> import pandas as pd
>>> shown = []
>>> rep = Report(display=shown.append)
>>> frame = pd.DataFrame({"level": ["<b>a</b>", "b"], "estimate": [0.25, 0.75]})
>>> rep.show_table(frame, "demo", "Parts", formats={"estimate": "percent"})
>>> "&lt;b&gt;a&lt;/b&gt;" in shown[0].data, '<td class="num">25,0\\xa0%</td>' in shown[0].data
(True, True)
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from baro import text
from baro.run.plan import VERSIONED_PACKAGES

#: Formats understood by :meth:`Report.show_table` (``formats=``).
FORMATS = ("auto", "points", "int", "number", "number0", "number1", "number2", "number3", "percent",
           "percent0", "percent1", "percent2", "pvalue", "bool", "text")

#: Resolution of the figures (PNG inline and on disk).
DPI = 150

#: Salt of the SVG element ids, fixed so that SVG files are reproducible.
SVG_HASHSALT = "baro"

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")

#: Shown for a missing value in a table.
EMPTY = "\u2014"


def _formatter(spec: str | Callable[[Any], str], column: str) -> Callable[[Any], str]:
    if callable(spec):
        return spec
    if spec == "int":
        return text.fmt_int
    if spec == "pvalue":
        return lambda p: text.fmt_pvalue(p).removeprefix("p = ").removeprefix("p ")
    if spec == "bool":
        return lambda b: "oui" if bool(b) else "non"
    if spec == "text":
        return str
    if spec == "auto":
        return _auto
    if spec == "points":
        return lambda v: text.fmt_number(100 * float(v), 1)
    m = re.fullmatch(r"(number|percent)(\d?)", spec or "")
    if m:
        kind, digits = m.group(1), m.group(2)
        if kind == "number":
            d = int(digits) if digits else 2
            return lambda v: text.fmt_number(v, d)
        d = int(digits) if digits else 1
        return lambda v: text.fmt_percent(v, d)
    raise ValueError(
        f"unknown format {spec!r} for column {column!r}; allowed: {', '.join(FORMATS)} or a callable"
    )


def _auto(v: Any) -> str:
    """Numbers the French way (whole numbers without decimals), else text."""
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        f = float(v)
        if f == int(f) and abs(f) < 1e15:
            return text.fmt_int(int(f))
        shown = text.fmt_number(f, 2 if abs(f) >= 1 else 3)
        return shown.rstrip("0").rstrip(",") if "," in shown else shown
    if isinstance(v, (list, tuple)):
        return ", ".join(_auto(x) for x in v)
    return str(v)


def _default_format(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "number2"
    return "auto"


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def table_html(
    frame: pd.DataFrame,
    name: str,
    caption: str,
    *,
    columns: Mapping[str, str] | None = None,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    labels: Mapping[str, Mapping[Any, str]] | None = None,
) -> str:
    """The contract's HTML for a table (see :meth:`Report.show_table`).

    Examples
    --------
    >>> f = pd.DataFrame({"level": ["a"], "count": [3]})
    >>> print(table_html(f, "t", "Cap", columns={"level": "Niveau", "count": "N"}))
    <div class="baro-table-wrap"><table class="baro-table" id="tab-t"><caption>Cap</caption><thead><tr><th>Niveau</th><th class="num">N</th></tr></thead><tbody><tr><td>a</td><td class="num">3</td></tr></tbody></table></div>
    """
    columns = dict(columns) if columns is not None else {c: str(c) for c in frame.columns}
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(
            f"table {name!r}: no column(s) {', '.join(map(repr, missing))}; "
            f"columns: {', '.join(map(str, frame.columns))}"
        )
    formats = dict(formats or {})
    unknown = [c for c in formats if c not in frame.columns]
    if unknown:
        raise KeyError(
            f"table {name!r}: formats name unknown column(s) {', '.join(map(repr, unknown))}; "
            f"columns: {', '.join(map(str, frame.columns))}"
        )
    labels = dict(labels or {})
    head, cells = [], {}
    for col, title in columns.items():
        series = frame[col]
        numeric = _is_numeric(series) and col not in labels
        cls = ' class="num"' if numeric else ""
        head.append(f"<th{cls}>{html.escape(str(title), quote=False)}</th>")
        if col in labels:
            mapping = labels[col]
            fmt = lambda v, m=mapping: str(m.get(v, v))  # noqa: E731
        else:
            fmt = _formatter(formats.get(col, _default_format(series)), col)
        cells[col] = [
            f"<td{cls}>{EMPTY if _missing(v) else text.escape(fmt(v))}</td>"
            for v in series.tolist()
        ]
    rows = [
        "<tr>" + "".join(cells[c][i] for c in columns) + "</tr>" for i in range(len(frame))
    ]
    return (
        f'<div class="baro-table-wrap"><table class="baro-table" id="tab-{name}">'
        f"<caption>{html.escape(caption, quote=False)}</caption>"
        f"<thead><tr>{''.join(head)}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _missing(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def figure_html(png: bytes, name: str, caption: str) -> str:
    """The contract's HTML for a figure, the PNG inline as a data URI.

    >>> print(figure_html(b"x", "f", 'A "b" <c>'))
    <figure class="baro-figure" id="fig-f"><img src="data:image/png;base64,eA==" alt="A &quot;b&quot; &lt;c&gt;"><figcaption>A "b" &lt;c&gt;</figcaption></figure>
    """
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure class="baro-figure" id="fig-{name}">'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(caption, quote=True)}">'
        f"<figcaption>{html.escape(caption, quote=False)}</figcaption></figure>"
    )


def callout_html(kind: str, body: str) -> str:
    """A ``baro-note`` or ``baro-warning`` callout.

    ``body`` is a sentence from :mod:`baro.text` (labels already escaped);
    ``**bold**`` becomes ``<strong>``.

    >>> callout_html("warning", "**Attention.** Peu de villes.")
    '<div class="baro-warning"><strong>Attention.</strong> Peu de villes.</div>'
    """
    if kind not in ("note", "warning"):
        raise ValueError(f"unknown callout {kind!r}; allowed: note, warning")
    inner = _BOLD.sub(r"<strong>\1</strong>", body)
    return f'<div class="baro-{kind}">{inner}</div>'


class Report:
    """Display helpers of one report notebook.

    Parameters
    ----------
    output_dir : str or Path, default ""
        Folder where ``figures/`` and ``tables/`` are written; empty: no file
        is written.
    display : callable, optional
        Receives each displayable object (default ``IPython.display.display``).
    dpi : int, default :data:`DPI`
        Resolution of the PNG files and inline images.

    Attributes
    ----------
    written : list of Path
        Files written so far, in order.
    """

    def __init__(
        self,
        output_dir: str | Path | None = "",
        *,
        display: Callable[[Any], Any] | None = None,
        dpi: int = DPI,
    ):
        self.output_dir = Path(output_dir) if output_dir else None
        self._display = display
        self.dpi = dpi
        self.names: set[str] = set()
        self.written: list[Path] = []

    # -------------------------------------------------------------- helpers
    def _show(self, obj: Any) -> None:
        if self._display is not None:
            self._display(obj)
            return
        from IPython.display import display

        display(obj)

    def _claim(self, kind: str, name: str) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(
                f"{kind} name {name!r} must be lower-case letters, digits, '_' or '-'"
            )
        key = f"{kind}:{name}"
        if key in self.names:
            raise ValueError(f"{kind} name {name!r} is already used in this report")
        self.names.add(key)

    def _path(self, sub: str, filename: str) -> Path | None:
        if self.output_dir is None:
            return None
        folder = self.output_dir / sub
        folder.mkdir(parents=True, exist_ok=True)
        return folder / filename

    # -------------------------------------------------------------- content
    def show_table(
        self,
        frame: pd.DataFrame,
        name: str,
        caption: str,
        *,
        columns: Mapping[str, str] | None = None,
        formats: Mapping[str, str | Callable[[Any], str]] | None = None,
        labels: Mapping[str, Mapping[Any, str]] | None = None,
    ) -> None:
        """Display ``frame`` as a numbered table and write ``tables/NAME.csv``.

        Parameters
        ----------
        frame : DataFrame
            The unformatted result; a named index becomes columns.
        name : str
            Identifier (``tab-NAME`` in the HTML, ``NAME.csv`` on disk).
        caption : str
            Caption (escaped).
        columns : mapping, optional
            Column -> header, the columns shown and their order (default
            every column under its own name). The CSV keeps every column.
        formats : mapping, optional
            Column -> one of :data:`FORMATS` or a callable value -> str
            (plain text: every cell is HTML-escaped). ``points`` shows a
            difference of shares in percentage points, without unit.
            Default: ``int`` for integers, ``number2`` for floats, ``bool``
            for booleans (oui / non), ``auto`` otherwise (numbers French,
            whole numbers without decimals, lists joined, text as is).
        labels : mapping, optional
            Column -> mapping code -> label, for columns of codes.
        """
        self._claim("table", name)
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"show_table needs a DataFrame, got {type(frame).__name__}")
        if any(n is not None for n in frame.index.names):
            frame = frame.reset_index()
        body = table_html(frame, name, caption, columns=columns, formats=formats, labels=labels)
        from IPython.display import HTML

        self._show(HTML(body))
        path = self._path("tables", f"{name}.csv")
        if path is not None:
            frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
            self.written.append(path)

    def show_figure(self, fig: Any, name: str, caption: str) -> None:
        """Display ``fig`` as a numbered figure; write ``NAME.png`` and ``NAME.svg``.

        The figure is closed afterwards (it is not shown a second time by
        the notebook's inline backend).
        """
        self._claim("figure", name)
        import matplotlib

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=self.dpi, metadata={"Software": None})
        png = buf.getvalue()
        from IPython.display import HTML

        self._show(HTML(figure_html(png, name, caption)))
        path = self._path("figures", f"{name}.png")
        if path is not None:
            path.write_bytes(png)
            svg = path.with_suffix(".svg")
            # The PNG's draw has laid the figure out (constrained layout).
            # Without a layout engine, the SVG is drawn once as it stands,
            # instead of laid out, measured and drawn again.
            with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
                fig.set_layout_engine(None)
            with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT}):
                fig.savefig(svg, format="svg", metadata={"Date": None})
            self.written.extend([path, svg])
        import matplotlib.pyplot as plt

        plt.close(fig)

    def say(self, sentence: str) -> None:
        """Display a Markdown sentence (from :mod:`baro.text`)."""
        from IPython.display import Markdown

        self._show(Markdown(sentence))

    def note(self, body: str) -> None:
        """Display a neutral callout (``baro-note``); an empty body shows nothing."""
        if not body:
            return
        from IPython.display import HTML

        self._show(HTML(callout_html("note", body)))

    def warning(self, body: str) -> None:
        """Display a caveat the reader must see (``baro-warning``)."""
        from IPython.display import HTML

        self._show(HTML(callout_html("warning", body)))

    def data_status(self, edition: Any) -> None:
        """Say whether the tables are simulated: a warning if so, else a note.

        ``edition`` is an edition or a list of editions.
        """
        if isinstance(edition, (list, tuple)):
            sentence = text.editions_status_sentence(edition)
            simulated = any(getattr(e, "simulated", False) for e in edition)
        else:
            sentence = text.data_status_sentence(edition)
            simulated = getattr(edition, "simulated", False)
        if simulated:
            self.warning(sentence)
        else:
            self.note(sentence)

    def assumptions(self, edition: Any, name: str = "assumptions") -> None:
        """Table of the simulation's assumptions (``edition.assumptions``).

        For real tables, a note says there is no such assumption.
        """
        if not getattr(edition, "simulated", False):
            self.note("Les tables de cette édition sont réelles\u00a0: aucune hypothèse de simulation.")
            return
        frame = pd.DataFrame(
            [{"id": a.get("id", ""), "text": a.get("text", "")} for a in edition.assumptions],
            columns=["id", "text"],
        )
        self.show_table(
            frame, name, "Hypothèses de la simulation (ce que l’édition n’a pas publié)",
            columns={"id": "Hypothèse", "text": "Contenu"},
        )

    def caveats(self, *results: Any) -> None:
        """Display the warnings of ``results`` (their French sentences) as one callout.

        Nothing is displayed when no result carries a warning.
        """
        found = text.caveats(*results)
        if found:
            self.warning("**Attention.** " + " ".join(found))


#: Columns of :func:`clustering_table`.
CLUSTERING_COLUMNS = (
    "test",
    "statistic_unclustered",
    "pvalue_unclustered",
    "statistic_clustered",
    "pvalue_clustered",
    "design_effect",
    "n_clusters",
)


def clustering_table(tests: Mapping[str, tuple[Any, Any]]) -> pd.DataFrame:
    """Clustered and unclustered figures of the main tests, side by side.

    Parameters
    ----------
    tests : mapping
        Test label -> (clustered result, unclustered result), each a test
        of :mod:`baro.stats` (``statistic``, ``pvalue``, ``design_effect``).

    Returns
    -------
    DataFrame
        Columns :data:`CLUSTERING_COLUMNS`; ``design_effect`` is the
        clustered result's.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> t = clustering_table({"Part": (R(statistic=2.0, pvalue=0.06, design_effect=2.25, n_clusters=38),
    ...                                R(statistic=3.0, pvalue=0.003, design_effect=1.0, n_clusters=None))})
    >>> t[["test", "pvalue_unclustered", "pvalue_clustered", "design_effect", "n_clusters"]]
       test  pvalue_unclustered  pvalue_clustered  design_effect  n_clusters
    0  Part               0.003              0.06           2.25          38
    """
    rows = []
    for label, (clu, unc) in tests.items():
        rows.append(
            {
                "test": label,
                "statistic_unclustered": float(unc.statistic),
                "pvalue_unclustered": float(unc.pvalue),
                "statistic_clustered": float(clu.statistic),
                "pvalue_clustered": float(clu.pvalue),
                "design_effect": float(clu.design_effect),
                "n_clusters": clu.n_clusters,
            }
        )
    out = pd.DataFrame(rows, columns=list(CLUSTERING_COLUMNS))
    out["n_clusters"] = out["n_clusters"].astype("Int64")
    return out


#: Packages whose versions the methods appendix reports: baro and those of the manifest.
PACKAGES = ("baro", *VERSIONED_PACKAGES)


def software_versions(packages: tuple[str, ...] = PACKAGES) -> pd.DataFrame:
    """Python and package versions, for the methods appendix.

    >>> v = software_versions(("pandas",))
    >>> v["package"].tolist()
    ['python', 'pandas']
    """
    import platform
    from importlib import metadata

    rows = [("python", platform.python_version())]
    for name in packages:
        try:
            rows.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            rows.append((name, "absent"))
    return pd.DataFrame(rows, columns=["package", "version"])


#: Columns of :func:`editions_table`.
EDITIONS_COLUMNS = ("edition", "cities", "projects", "projects_per_city", "simulated")


def editions_table(editions: Mapping[Any, Any]) -> pd.DataFrame:
    """Size of each edition's panel: cities, projects, projects per city.

    Parameters
    ----------
    editions : mapping
        Year -> :class:`baro.editions.Edition` (or any object with
        ``cities``, ``projects`` and ``simulated``).

    Examples
    --------
    >>> from types import SimpleNamespace as E
    >>> e = E(cities=pd.DataFrame({"city_id": ["V01", "V02"]}),
    ...       projects=pd.DataFrame({"city_id": ["V01"] * 3}), simulated=True)
    >>> editions_table({2013: e})
       edition  cities  projects  projects_per_city  simulated
    0     2013       2         3                1.5       True
    """
    rows = [
        {
            "edition": year,
            "cities": len(e.cities),
            "projects": len(e.projects),
            "projects_per_city": len(e.projects) / len(e.cities) if len(e.cities) else float("nan"),
            "simulated": bool(e.simulated),
        }
        for year, e in editions.items()
    ]
    return pd.DataFrame(rows, columns=list(EDITIONS_COLUMNS))
