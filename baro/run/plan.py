"""Plan a ``baro run``: notebook parameters, jobs, cache keys, manifests.

Everything here is light (standard library only), so that deciding that
every report is up to date costs a few milliseconds: no pandas, no
papermill, no Jupyter import on that path.

A *job* is one notebook run into one output folder: an edition
(``OUTPUT/2014/``) or the trends report (``OUTPUT/trends/``). Its cache
key is the SHA-256 of the notebook file, the parameters, the input data
files, the taxonomy, the baro sources and templates, ``baro.__version__``
and ``requirements.lock``; it is stored in ``manifest.json``.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import math
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import baro
from baro.errors import BaroError

#: Files every finished output folder holds besides the executed notebook.
REPORT_FILES = ("report.html", "report.pdf", "manifest.json")

#: Parameters that ``baro run`` sets itself, and the option that sets them.
MANAGED_PARAMETERS = {
    "edition": "the YEAR arguments",
    "data_dir": "--data DIR",
    "output_dir": "--output DIR",
}

#: Package versions recorded in the manifest and reported in the methods appendix.
VERSIONED_PACKAGES = (
    "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn",
    "papermill", "mistune", "weasyprint",
)


@dataclass(frozen=True)
class Parameter:
    """One parameter of a notebook's ``parameters`` cell.

    ``type`` is the annotation as written (``int``, ``float``, ``str``,
    ``bool``, ``list``...) or, without one, the type name of the default.
    """

    name: str
    type: str
    default: Any
    help: str = ""

    def __str__(self) -> str:
        text = f"{self.name}: {self.type} = {self.default!r}"
        return f"{text}  ({self.help})" if self.help else text


def notebook_parameters(path: str | Path) -> dict[str, Parameter]:
    """Parameters declared in the cell tagged ``parameters`` of a notebook.

    Each line of that cell is ``name: type = literal  # comment`` (the
    comment becomes ``help``); a line without annotation takes the type of
    its literal. The result agrees with ``papermill.inspect_notebook``.

    Raises
    ------
    BaroError
        The notebook is missing, is not JSON, has no ``parameters`` cell,
        or a default is not a literal.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> cell = {"cell_type": "code", "metadata": {"tags": ["parameters"]},
    ...         "source": "edition: int = 2014  # survey year\\nseed = 7\\n",
    ...         "outputs": [], "execution_count": None}
    >>> nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.ipynb"
    >>> _ = path.write_text(json.dumps(nb))
    >>> for p in notebook_parameters(path).values():
    ...     print(p)
    edition: int = 2014  (survey year)
    seed: int = 7
    """
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaroError(f"notebook not found: {path}") from None
    except ValueError as exc:
        raise BaroError(f"{path}: not a notebook (invalid JSON: {exc})") from None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            return _parse_parameters("".join(source) if isinstance(source, list) else source, path)
    raise BaroError(f"{path}: no code cell tagged 'parameters'")


def _parse_parameters(source: str, path: Path) -> dict[str, Parameter]:
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
        tree = ast.parse(source)
    except (SyntaxError, tokenize.TokenError) as exc:
        raise BaroError(f"{path}: parameters cell is not valid Python: {exc}") from None
    params: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, annotation, value = node.target.id, ast.unparse(node.annotation), node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, annotation, value = node.targets[0].id, None, node.value
        else:
            continue
        try:
            default = ast.literal_eval(value)
        except ValueError:
            raise BaroError(
                f"{path}: parameter {name!r} has a default that is not a literal: {ast.unparse(value)}"
            ) from None
        type_name = annotation or type(default).__name__
        params[name] = Parameter(name, type_name, default, comments.get(node.lineno, ""))
    return params


_TRUE = {"true", "1", "yes", "oui"}
_FALSE = {"false", "0", "no", "non"}


def coerce(param: Parameter, text: str) -> Any:
    """Convert the text of ``-p NAME=VALUE`` to the parameter's type.

    Raises
    ------
    ValueError
        The text is not a value of that type.

    Examples
    --------
    >>> coerce(Parameter("seed", "int", 1), "42")
    42
    >>> coerce(Parameter("confidence_level", "float", 0.95), "0.9")
    0.9
    >>> coerce(Parameter("editions", "list", [2013]), "2013,2015")
    [2013, 2015]
    >>> coerce(Parameter("seed", "int", 1), "4.5")
    Traceback (most recent call last):
    ...
    ValueError: '4.5' is not of type int
    """
    kind = param.type
    try:
        if kind == "bool":
            low = text.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError
        if kind == "int":
            return int(text.strip())
        if kind == "float":
            return float(text.strip())
        if kind == "str":
            return text
        if kind in ("list", "tuple", "dict") or kind.startswith(("list[", "tuple[", "dict[")):
            base = kind.split("[", 1)[0]
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                if base == "dict":
                    raise ValueError from None
                value = [ast.literal_eval(v.strip()) if _is_literal(v.strip()) else v.strip()
                         for v in text.split(",") if v.strip()]
            if base in ("list", "tuple") and isinstance(value, (int, float, str)):
                value = [value]
            if base == "list" and isinstance(value, tuple):
                value = list(value)
            if not isinstance(value, {"list": list, "tuple": tuple, "dict": dict}[base]):
                raise ValueError
            return value
        # Unknown annotation: a Python literal, else the text itself.
        return ast.literal_eval(text) if _is_literal(text) else text
    except ValueError:
        raise ValueError(f"{text!r} is not of type {kind}") from None


def _is_literal(text: str) -> bool:
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return False
    return True


def describe_parameters(params: Mapping[str, Parameter], notebook: str | Path) -> str:
    """The valid parameters of a notebook, one per line, for error messages."""
    lines = [f"valid parameters of {Path(notebook).name}:"]
    for p in params.values():
        managed = MANAGED_PARAMETERS.get(p.name)
        suffix = f"  [set by baro run: {managed}]" if managed else ""
        lines.append(f"  {p}{suffix}")
    return "\n".join(lines)


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """Split ``NAME=VALUE`` strings (the ``-p`` options) into a dict.

    >>> parse_assignments(["seed=1", "confidence_level=0.9"])
    {'seed': '1', 'confidence_level': '0.9'}
    >>> parse_assignments(["seed"])
    Traceback (most recent call last):
    ...
    baro.errors.BaroError: -p 'seed': expected NAME=VALUE, e.g. -p confidence_level=0.9
    """
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise BaroError(f"-p {item!r}: expected NAME=VALUE, e.g. -p confidence_level=0.9")
        out[name.strip()] = value
    return out


def _check_language(value: Any) -> None:
    from baro.text import check_language

    check_language(value)


#: Checks of parameter values, by name, run before any kernel starts: each
#: raises ValueError naming the allowed values.
VALUE_CHECKS: dict[str, Any] = {"language": _check_language}


def resolve_parameters(
    given: Mapping[str, str], notebooks: Mapping[str, Path]
) -> dict[str, dict[str, Any]]:
    """Check ``-p`` values against every notebook that will run.

    Each name must be a parameter of at least one of ``notebooks`` (label
    -> path) and not one that ``baro run`` sets itself; its value is
    converted to the declared type. Returns, for each label, the values
    that apply to that notebook.

    Raises
    ------
    BaroError
        An unknown name, a managed name, or a value of the wrong type; the
        message lists the valid parameters with their types and defaults.
    """
    declared = {label: notebook_parameters(path) for label, path in notebooks.items()}
    listing = "\n".join(describe_parameters(declared[k], notebooks[k]) for k in notebooks)
    out: dict[str, dict[str, Any]] = {label: {} for label in notebooks}
    for name, text in given.items():
        if name in MANAGED_PARAMETERS:
            raise BaroError(
                f"parameter {name!r} is set by baro run (use {MANAGED_PARAMETERS[name]}), not by -p\n{listing}"
            )
        owners = [label for label in notebooks if name in declared[label]]
        if not owners:
            raise BaroError(f"unknown parameter {name!r}\n{listing}")
        for label in owners:
            param = declared[label][name]
            try:
                out[label][name] = coerce(param, text)
                if name in VALUE_CHECKS:
                    VALUE_CHECKS[name](out[label][name])
            except ValueError as exc:
                raise BaroError(f"parameter {name!r}: {exc} (declared {param})\n{listing}") from None
    return out


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


#: Checks of parameter values, by name: (test, what a valid value is). Run
#: on every report's values before any kernel starts; extend it here.
PARAMETER_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "confidence_level": (lambda v: _finite(v) and 0 < v < 1, "a number strictly between 0 and 1"),
    "seed": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "an integer, 0 or more"),
    "language": (lambda v: v in ("fr", "en"), "'fr' or 'en'"),
    "weighting": (lambda v: v in ("none", "population"), "'none' or 'population'"),
}


def check_parameters(values: Mapping[str, Any]) -> None:
    """Check the values a notebook will run with (its defaults and the ``-p`` values).

    Every number must be finite, and each value named in
    :data:`PARAMETER_CHECKS` must pass its check.

    >>> check_parameters({"confidence_level": 0.9, "seed": 0, "sleep": 1.5})
    >>> check_parameters({"confidence_level": 1.0})
    Traceback (most recent call last):
    ...
    baro.errors.BaroError: parameter confidence_level=1.0: expected a number strictly between 0 and 1
    """
    for name, value in values.items():
        test, expected = PARAMETER_CHECKS.get(name, (lambda v: True, ""))
        if isinstance(value, float) and not math.isfinite(value):
            test, expected = (lambda v: False), "a finite number"
        if not test(value):
            raise BaroError(f"parameter {name}={value!r}: expected {expected}")


# --------------------------------------------------------------------------
# hashing and cache keys


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def hash_tree(root: str | Path, patterns: Sequence[str] = ("*",)) -> dict[str, str]:
    """SHA-256 of the files under ``root`` matching ``patterns``, by relative path.

    Hidden files and ``__pycache__`` folders are left out.
    """
    root = Path(root)
    found: dict[str, str] = {}
    for pattern in patterns:
        for p in root.rglob(pattern):
            rel = p.relative_to(root)
            if not p.is_file() or any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                continue
            found[rel.as_posix()] = sha256_file(p)
    return dict(sorted(found.items()))


def package_root() -> Path:
    """The folder of the baro package (its sources and templates)."""
    return Path(baro.__file__).resolve().parent


def lock_file() -> Path | None:
    """requirements.lock of the project (or of the checkout baro runs from)."""
    from baro.paths import project_root

    for candidate in (project_root() / "requirements.lock", package_root().parent / "requirements.lock"):
        if candidate.is_file():
            return candidate
    return None


def code_hashes() -> dict[str, str]:
    """Hashes of what a method change touches: baro's sources, templates and data, the lock."""
    out = {f"baro/{k}": v for k, v in hash_tree(package_root(), ("*.py", "templates/**/*", "data/**/*")).items()}
    lock = lock_file()
    out["requirements.lock"] = sha256_file(lock) if lock else "missing"
    return out


def cache_key(
    notebook_hash: str,
    parameters: Mapping[str, Any],
    inputs: Mapping[str, str],
    code: Mapping[str, str],
) -> str:
    """SHA-256 over everything a report depends on (canonical JSON).

    >>> a = cache_key("n", {"seed": 1}, {"x.csv": "h"}, {"baro/a.py": "c"})
    >>> a == cache_key("n", {"seed": 1}, {"x.csv": "h"}, {"baro/a.py": "c"})
    True
    >>> a == cache_key("n", {"seed": 2}, {"x.csv": "h"}, {"baro/a.py": "c"})
    False
    """
    payload = {
        "notebook": notebook_hash,
        "parameters": dict(parameters),
        "inputs": dict(inputs),
        "code": dict(code),
        "version": baro.__version__,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------
# jobs


@dataclass
class Job:
    """One notebook run into one output folder.

    ``parameters`` are the values passed to the notebook, except
    ``output_dir`` which the worker sets to its temporary folder.
    """

    name: str  # "2014" or "trends"
    notebook: Path
    output: Path  # OUTPUT/NAME
    parameters: dict[str, Any]
    title: str
    subtitle: str
    edition: int | str
    data_status: str  # "SIMULATED" or "real"
    data_note: str
    inputs: dict[str, str] = field(default_factory=dict)
    code: dict[str, str] = field(default_factory=dict)
    notebook_hash: str = ""
    key: str = ""

    @property
    def executed_name(self) -> str:
        return f"{self.name}.ipynb"

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["notebook"] = str(self.notebook)
        d["output"] = str(self.output)
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Job":
        d = dict(d)
        d["notebook"] = Path(d["notebook"])
        d["output"] = Path(d["output"])
        return cls(**d)


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The manifest of an output folder, or None when absent or unreadable."""
    try:
        return json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def stale_reason(job: Job) -> str | None:
    """Why ``job`` must run, or None when its outputs are up to date.

    Up to date: ``job.output`` holds the report files, the executed
    notebook and a manifest whose cache key is ``job.key``. Otherwise the
    reason names what changed (files, parameters, notebook), as far as the
    previous manifest tells.
    """
    manifest = read_manifest(job.output)
    if not manifest:
        return "no previous report"
    missing = [f for f in (*REPORT_FILES, job.executed_name) if not (job.output / f).is_file()]
    if manifest.get("cache_key") == job.key:
        return f"missing {', '.join(missing)}" if missing else None
    changed: list[str] = []
    if manifest.get("notebook_sha256") != job.notebook_hash:
        changed.append(job.notebook.name)
    old_params = {k: v for k, v in manifest.get("parameters", {}).items() if k != "output_dir"}
    if old_params != job.parameters:
        changed.append("parameters")
    for new, old in ((job.inputs, manifest.get("inputs", {})), (job.code, manifest.get("code", {}))):
        diff = sorted(k for k in set(new) | set(old) if new.get(k) != old.get(k))
        if diff:
            changed.append(", ".join(diff[:3]) + (f" and {len(diff) - 3} more" if len(diff) > 3 else ""))
    if manifest.get("versions", {}).get("baro") not in (None, baro.__version__):
        changed.append("baro version")
    return "changed: " + "; ".join(changed) if changed else "cache key changed"


def edition_inputs(data_path: Path, edition_path: Path, taxonomy: Path) -> dict[str, str]:
    """Hashes of an edition's input files: its tables, edition.toml, the taxonomy."""
    out = {f"data/{k}": v for k, v in hash_tree(data_path).items()}
    out["edition.toml"] = sha256_file(edition_path / "edition.toml")
    out["taxonomy.toml"] = sha256_file(taxonomy) if taxonomy.is_file() else "missing"
    return out
