"""Show tables, figures and sentences in a report notebook, and save them.

A report notebook creates one :class:`Report` right after its parameters
cell and shows everything through it::

    rep = report.Report(output_dir, language=language, confidence_level=confidence_level, seed=seed)

The report sets the language of :mod:`baro.text` (sentences, numbers,
taxonomy labels, figure axes), and ``rep.stats`` is :mod:`baro.stats`
with the report's ``confidence_level`` and ``seed`` filled in, so a
notebook states them once. The table helpers take headers, labels and
formats from the result and the taxonomy, with options for exceptions:
:meth:`Report.shares_table`, :meth:`Report.pairwise_table`,
:meth:`Report.residuals_table`, :meth:`Report.table` (any frame, headers
from the catalogue of :mod:`baro.text`). Each call displays the HTML that the exporter (:mod:`baro.page`) styles
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
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from baro import text
from baro import provenance

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
        return lambda b: text.t("fmt.yes") if bool(b) else text.t("fmt.no")
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
        return text.t("fmt.yes") if v else text.t("fmt.no")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        f = float(v)
        if f == int(f) and abs(f) < 1e15:
            return text.fmt_int(int(f))
        shown = text.fmt_number(f, 2 if abs(f) >= 1 else 3)
        mark = "," if text.get_language() == "fr" else "."
        return shown.rstrip("0").rstrip(mark) if mark in shown else shown
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
    language : {"fr", "en"}, optional
        Language of the report; made the current language of
        :mod:`baro.text` (default: leave it as it is, French unless set).
    confidence_level : float, default 0.95
        Level of every interval: ``rep.stats`` passes it to the functions
        of :mod:`baro.stats` that take one.
    seed : int, optional
        Seed of the Monte-Carlo p-values, passed the same way.
    taxonomy : Taxonomy, optional
        Labels of the codes (default: the project's taxonomy).
    display : callable, optional
        Receives each displayable object (default ``IPython.display.display``).
    dpi : int, default :data:`DPI`
        Resolution of the PNG files and inline images.

    Attributes
    ----------
    written : list of Path
        Files written so far, in order.
    stats : namespace
        :mod:`baro.stats` with ``confidence_level`` and ``seed`` set.
    """

    def __init__(
        self,
        output_dir: str | Path | None = "",
        *,
        language: str | None = None,
        confidence_level: float = 0.95,
        seed: int | None = None,
        taxonomy: Any = None,
        display: Callable[[Any], Any] | None = None,
        dpi: int = DPI,
    ):
        if language is not None:
            text.use_language(language)
        self.language = text.get_language()
        self.confidence_level = confidence_level
        self.seed = seed
        self._taxonomy = taxonomy
        self.stats = _BoundStats(self)
        self.output_dir = Path(output_dir) if output_dir else None
        self._display = display
        self.dpi = dpi
        self.names: set[str] = set()
        self.written: list[Path] = []
        self._said: list[Any] = []  # results not computable whose sentence was said

    # -------------------------------------------------------------- helpers
    @property
    def taxonomy(self) -> Any:
        """The taxonomy whose labels the tables show."""
        if self._taxonomy is None:
            from baro.taxonomy import load_taxonomy

            self._taxonomy = load_taxonomy()
        return self._taxonomy

    def labels(self, variable: str) -> dict[str, str]:
        """Code -> label of a taxonomy variable, in the report's language."""
        return self.taxonomy.labels(variable, self.language)

    def label(self, variable: str, code: str) -> str:
        """Label of one code of a taxonomy variable, in the report's language."""
        return self.taxonomy.label(variable, code, self.language)

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

    def _not_computable(self, result: Any) -> bool:
        """Whether ``result`` could not be computed; if so, say why (once per result)."""
        from baro.computable import NotComputable

        if not isinstance(result, NotComputable):
            return False
        if not any(result is r for r in self._said):
            self._said.append(result)
            self.note(text.not_computable_sentence(result))
        return True

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
        if self._not_computable(frame):
            return
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

    def show_figure(self, fig: Any, name: str, caption: str | None = None) -> None:
        """Display ``fig`` as a numbered figure; write ``NAME.png`` and ``NAME.svg``.

        The caption defaults to ``figure.NAME`` of the catalogue of :mod:`baro.text`.

        The figure is closed afterwards (it is not shown a second time by
        the notebook's inline backend).
        """
        if fig is None:  # a figure of a result the data cannot support
            return
        self._claim("figure", name)
        caption = _caption("figure", name, caption)
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
        source = getattr(sentence, "source", None)
        if source is not None:  # a result not computable: said once, as a note
            self._not_computable(source)
            return
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
            self.note(text.t("status.real_assumptions"))
            return
        key = "text" if self.language == "fr" else f"text_{self.language}"
        frame = pd.DataFrame(
            [{"id": a.get("id", ""), "text": a.get(key, a.get("text", ""))} for a in edition.assumptions],
            columns=["id", "text"],
        )
        self.show_table(
            frame, name, text.t("caption.assumptions"),
            columns={"id": text.t("col.assumption"), "text": text.t("col.content")},
        )

    # ------------------------------------------------------ result tables
    def _headers(self, names: Any, variable: str | None, table: str = "") -> dict[str, str]:
        """Headers of ``names`` (a list: from the catalogue; a mapping: as given).

        A column's header is ``col.TABLE.COLUMN`` of the catalogue if there
        is one, else ``col.COLUMN``; code columns take the taxonomy's header.
        """
        if isinstance(names, Mapping):
            return dict(names)
        out = {}
        known = text.catalogue()
        for col in names:
            if f"col.{table}.{col}" in known:
                out[col] = text.t(f"col.{table}.{col}")
                continue
            if col in LEVEL_COLUMNS and variable:
                out[col] = self.taxonomy.header(variable, self.language)
            elif col in PAIR_COLUMNS and variable:
                side = "col.level_a" if col.endswith("_a") else "col.level_b"
                out[col] = text.t(side, variable=self.taxonomy.header(variable, self.language))
            else:
                out[col] = text.t(f"col.{col}")
        return out

    def table(
        self,
        frame: pd.DataFrame,
        name: str,
        caption: str | None = None,
        *,
        columns: Any = None,
        variable: str | None = None,
        formats: Mapping[str, Any] | None = None,
        labels: Mapping[str, Mapping[Any, str]] | None = None,
    ) -> None:
        """:meth:`show_table` with headers, labels and formats from the column names.

        ``columns`` is a list of the columns shown (headers from the
        catalogue of :mod:`baro.text`, ``col.NAME``) or a mapping column ->
        header. The code columns (:data:`LEVEL_COLUMNS`,
        :data:`PAIR_COLUMNS`) are headed and labelled from the taxonomy
        ``variable``. Formats default by name (:data:`NAME_FORMATS`);
        ``formats`` and ``labels`` add or override.
        """
        if self._not_computable(frame):
            return
        columns = list(frame.columns) if columns is None else columns
        headers = self._headers(columns, variable, re.sub(r"(_\d+)+$", "", name))
        caption = _caption("caption", name, caption)
        fmts = {c: f for c, f in NAME_FORMATS.items() if c in headers and c in frame.columns}
        fmts.update(formats or {})
        labs = {c: self.labels(variable) for c in headers if variable and c in (*LEVEL_COLUMNS, *PAIR_COLUMNS)}
        labs.update(labels or {})
        self.show_table(frame, name, caption, columns=headers, formats=fmts, labels=labs)

    def shares_table(
        self,
        result: pd.DataFrame,
        name: str,
        caption: str | None = None,
        *,
        variable: str | None = None,
        unit: str | None = None,
        letters: pd.DataFrame | None = None,
        columns: Mapping[str, str | None] | None = None,
        formats: Mapping[str, Any] | None = None,
        labels: Mapping[str, Mapping[Any, str]] | None = None,
    ) -> None:
        """A table of shares (:func:`baro.stats.shares`): level, count, share, interval, design effect.

        Parameters
        ----------
        result : DataFrame
            The shares; its ``attrs["column"]`` names the taxonomy variable.
        name : str
            Identifier of the table (``tables/NAME.csv``).
        caption : str, optional
            Default: ``caption.NAME`` of the catalogue of :mod:`baro.text`.
        variable : str, optional
            Taxonomy variable of the levels (default ``result.attrs["column"]``).
        unit : {"project", "city"}, optional
            What the rows counted are (header of ``count``); default
            projects when the result is clustered, else cities.
        letters : DataFrame, optional
            Compact letters (:func:`baro.stats.compact_letters`), merged on
            ``level`` and shown last.
        columns : mapping, optional
            Column -> header merged into the defaults; a new column comes
            right after the level, a header ``None`` drops the column.

        The design effect is shown when some row has one other than 1
        (clustered results).
        """
        if self._not_computable(result):
            return
        attrs = dict(getattr(result, "attrs", {}) or {})
        variable = variable or attrs.get("column")
        frame = result if letters is None else result.merge(letters, on="level")
        # rows counted: cities when the shares are of independent rows, else projects
        unit = unit or ("city" if "cluster" in attrs and attrs["cluster"] is None else "project")
        head = {"level": self.taxonomy.header(variable, self.language) if variable else "level"}
        rest = {"count": text.t(f"col.count.{unit}"), "estimate": text.t("col.share"),
                "ci_low": text.t("col.ci_low"), "ci_high": text.t("col.ci_high")}
        values = frame["design_effect"].dropna() if "design_effect" in frame.columns else pd.Series(dtype=float)
        if not ((values - 1).abs() < 1e-12).all():
            rest["design_effect"] = text.t("col.design_effect")
        if "letters" in frame.columns:
            rest["letters"] = text.t("col.letters")
        for col, header in (columns or {}).items():
            if col in head or col in rest:
                (head if col in head else rest)[col] = header
            else:
                head[col] = header
        headers = {c: h for c, h in {**head, **rest}.items() if h is not None}
        fmts = {"estimate": "percent", "ci_low": "percent", "ci_high": "percent"}
        fmts.update(formats or {})
        labs = {"level": self.labels(variable)} if variable else {}
        labs.update(labels or {})
        self.show_table(frame, name, _caption("caption", name, caption), columns=headers, formats=fmts, labels=labs)

    def pairwise_table(
        self,
        result: pd.DataFrame,
        name: str,
        caption: str | None = None,
        *,
        variable: str | None = None,
        columns: Any = ("level_a", "level_b", "difference", "pvalue_adjusted"),
        formats: Mapping[str, Any] | None = None,
    ) -> None:
        """Differences between pairs of levels (:func:`baro.stats.pairwise_shares`), adjusted p."""
        if self._not_computable(result):
            return
        variable = variable or dict(getattr(result, "attrs", {}) or {}).get("column")
        self.table(result, name, caption, columns=list(columns), variable=variable, formats=formats)

    def residuals_table(
        self,
        result: Any,
        name: str,
        caption: str | None = None,
        *,
        variable: str,
        level: Any = True,
        columns: Any = ("level_a", "observed", "expected", "adjusted_residual", "pvalue_adjusted"),
    ) -> None:
        """The residuals of an association for one column level (``level_b``, default ``True``).

        The row levels (``level_a``) are headed and labelled from the
        taxonomy ``variable``.
        """
        if self._not_computable(result):
            return
        residuals = getattr(result, "residuals", result)
        frame = residuals[residuals["level_b"] == level]
        headers = {c: self.taxonomy.header(variable, self.language) if c == "level_a" else self._headers([c], variable, name)[c]
                   for c in columns}
        self.table(frame, name, caption, columns=headers, variable=variable, formats={"expected": "number1"},
                   labels={"level_a": self.labels(variable)})

    def changes_table(
        self,
        result: pd.DataFrame,
        name: str,
        caption: str | None = None,
        *,
        editions: tuple[Any, Any],
        variable: str | None = None,
        columns: Any = ("level", "estimate_a", "estimate_b", "difference", "ci_low", "ci_high", "pvalue", "pvalue_adjusted"),
    ) -> None:
        """Changes of shares between two editions (:func:`baro.stats.compare_editions`).

        Shares in percent, the difference and its interval in points; the
        caption defaults to ``caption.NAME`` (trailing ``_YEAR`` parts
        dropped) filled with the two editions ``a`` and ``b``.
        """
        if self._not_computable(result):
            return
        a, b = editions
        variable = variable or dict(getattr(result, "attrs", {}) or {}).get("column") or "domain"
        key = re.sub(r"(_\d+)+$", "", name)
        years = {"estimate_a": a, "estimate_b": b}
        headers = {c: text.t("col.share_in", year=years[c]) if c in years else self._headers([c], variable, key)[c]
                   for c in columns}
        if caption is None:
            caption = text.t(f"caption.{key}", a=a, b=b)
        self.table(result, name, caption, columns=headers, variable=variable,
                   formats={c: f for c, f in (("estimate_a", "percent"), ("estimate_b", "percent"), ("difference", "points"),
                                              ("ci_low", "points"), ("ci_high", "points")) if c in headers})

    def say_share(self, result: pd.DataFrame, row: int = 0, *, variable: str | None = None) -> None:
        """Say one row of a shares table (default the first, the largest) as a sentence."""
        if self._not_computable(result):
            return
        attrs = dict(getattr(result, "attrs", {}) or {})
        variable = variable or attrs.get("column")
        line = result.iloc[row]
        self.say(text.share_sentence(line, self.label(variable, line["level"]), confidence_level=self.confidence_level,
                                     weighted=bool(attrs.get("weighted", False))))

    def caveats(self, *results: Any) -> None:
        """Display the warnings of ``results`` (their sentences in the report's
        language) as one callout.

        Nothing is displayed when no result carries a warning. The exported
        report heads a callout with its own word ("Attention :", "Caution:"),
        so the sentences come alone.
        """
        found = text.caveats(*results)
        if found:
            self.warning(" ".join(found))


#: Columns of codes labelled from a taxonomy variable in :meth:`Report.table`.
LEVEL_COLUMNS = ("level",)

#: Columns of pairs of codes (``Domaine A``, ``Domaine B``).
PAIR_COLUMNS = ("level_a", "level_b")

#: Default formats of :meth:`Report.table`, by column name.
NAME_FORMATS = {
    "estimate": "percent", "pvalue": "pvalue", "pvalue_adjusted": "pvalue",
    "pvalue_unclustered": "pvalue", "pvalue_clustered": "pvalue", "difference": "points",
}


def _caption(kind: str, name: str, caption: str | None) -> str:
    """``caption``, or the catalogue's ``KIND.NAME`` in the report's language."""
    return caption if caption is not None else text.t(f"{kind}.{name}")


class _BoundStats:
    """:mod:`baro.stats` with a report's ``confidence_level`` and ``seed`` filled in."""

    def __init__(self, report: "Report"):
        self._report = report

    def __getattr__(self, name: str) -> Any:
        import functools
        import inspect

        from baro import computable, stats

        fn = getattr(stats, name)
        if not callable(fn) or isinstance(fn, type):
            return fn
        params = inspect.signature(fn).parameters
        preset = {}
        if "confidence_level" in params:
            preset["confidence_level"] = self._report.confidence_level
        if "seed" in params and self._report.seed is not None:
            preset["seed"] = self._report.seed

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            return fn(*args, **{**preset, **kwargs})

        return computable.or_not_computable(call)

    def __dir__(self) -> list[str]:
        from baro import stats

        return sorted(n for n in dir(stats) if not n.startswith("_"))


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


#: The figures of a test the data cannot support, in :func:`clustering_table`.
_EMPTY_TEST = types.SimpleNamespace(statistic=float("nan"), pvalue=float("nan"), design_effect=float("nan"),
                                    n_clusters=None)


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
    from baro.computable import NotComputable

    rows = []
    for label, (clu, unc) in tests.items():
        if isinstance(clu, NotComputable) or isinstance(unc, NotComputable):
            clu, unc = (_EMPTY_TEST if isinstance(r, NotComputable) else r for r in (clu, unc))
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


def software_versions(packages: tuple[str, ...] = provenance.PACKAGES) -> pd.DataFrame:
    """Python and package versions, for the methods appendix (those of the manifest).

    >>> v = software_versions(("pandas",))
    >>> v["package"].tolist()
    ['python', 'pandas']
    """
    return pd.DataFrame(list(provenance.versions(packages).items()), columns=["package", "version"])


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
