"""Plan a ``baro run``: notebook parameters and their checks, jobs, cache keys.

Standard library only, so that finding every report up to date costs a few
milliseconds: no pandas, papermill or Jupyter import on that path.

A *job* is one notebook run into one output folder: an edition
(``OUTPUT/2014/``) or the trends report (``OUTPUT/trends/``). Its cache
key is the SHA-256 of the notebook, the parameters, the input files, the
taxonomy, baro's sources and templates, ``baro.__version__`` and
``requirements.lock``; ``manifest.json`` keeps it.
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
MANAGED_PARAMETERS = {"edition": "the YEAR arguments", "data_dir": "--data DIR", "output_dir": "--output DIR"}


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


#: Checks of parameter values, by name: (test, what a valid value is). Run
#: on the values of every report before any kernel starts; extend it here.
PARAMETER_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "confidence_level": (lambda v: _finite(v) and 0 < v < 1, "a number strictly between 0 and 1"),
    "seed": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "an integer, 0 or more"),
    "language": (lambda v: v in __import__("baro.text").text.LANGUAGES, "'fr' or 'en'"),
    "weighting": (lambda v: v in ("none", "population"), "'none' or 'population'"),
}


def check_parameters(values: Mapping[str, Any]) -> None:
    """Check the values a notebook will run with: finite numbers, and :data:`PARAMETER_CHECKS`.

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


@dataclass(frozen=True)
class Parameter:
    """One line of a notebook's ``parameters`` cell: ``name: type = default  # help``.

    ``type`` is the annotation as written, or else the type name of the default.
    """

    name: str
    type: str
    default: Any
    help: str = ""

    def __str__(self) -> str:
        text = f"{self.name}: {self.type} = {self.default!r}"
        return f"{text}  ({self.help})" if self.help else text


def notebook_parameters(path: str | Path) -> dict[str, Parameter]:
    """The parameters of the notebook's cell tagged ``parameters`` (as ``papermill.inspect_notebook``).

    Raises BaroError when the notebook is missing or not JSON, has no such
    cell, or a default is not a literal.

    >>> import tempfile
    >>> cell = {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "outputs": [],
    ...         "source": "edition: int = 2014  # survey year\\nseed = 7\\n"}
    >>> path = Path(tempfile.mkdtemp()) / "x.ipynb"
    >>> _ = path.write_text(json.dumps({"cells": [cell]}))
    >>> [str(p) for p in notebook_parameters(path).values()]
    ['edition: int = 2014  (survey year)', 'seed: int = 7']
    """
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaroError(f"notebook not found: {path}") from None
    except ValueError as exc:
        raise BaroError(f"{path}: not a notebook (invalid JSON: {exc})") from None
    cell = next((c for c in nb.get("cells", []) if c.get("cell_type") == "code"
                 and "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        raise BaroError(f"{path}: no code cell tagged 'parameters'")
    source = "".join(cell.get("source", ""))
    try:
        comments = {t.start[0]: t.string.lstrip("#").strip()
                    for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.COMMENT}
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
            raise BaroError(f"{path}: parameter {name!r} has a default that is not a literal: "
                            f"{ast.unparse(value)}") from None
        params[name] = Parameter(name, annotation or type(default).__name__, default, comments.get(node.lineno, ""))
    return params


def coerce(param: Parameter, text: str) -> Any:
    """Convert the text of ``-p NAME=VALUE`` to the parameter's type (ValueError if it is not one).

    >>> coerce(Parameter("seed", "int", 1), "42"), coerce(Parameter("editions", "list", []), "2013,2015")
    (42, [2013, 2015])
    >>> coerce(Parameter("seed", "int", 1), "4.5")
    Traceback (most recent call last):
    ...
    ValueError: '4.5' is not of type int
    """
    base = param.type.split("[", 1)[0]
    try:
        if base == "bool":
            return {"true": True, "1": True, "yes": True, "oui": True,
                    "false": False, "0": False, "no": False, "non": False}[text.strip().lower()]
        if base in ("int", "float"):
            return {"int": int, "float": float}[base](text.strip())
        if base == "str":
            return text
        value = _literal(text)  # an unknown annotation: a Python literal, else the text
        if base == "list":
            if isinstance(value, str):  # "a,b": a list written without brackets
                value = [_literal(v.strip()) for v in text.split(",") if v.strip()]
            return list(value) if isinstance(value, (list, tuple)) else [value]
        return value
    except (ValueError, KeyError):
        raise ValueError(f"{text!r} is not of type {param.type}") from None


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """Split ``NAME=VALUE`` strings (the ``-p`` options) into a dict.

    >>> parse_assignments(["seed=1", "confidence_level=0.9"])
    {'seed': '1', 'confidence_level': '0.9'}
    """
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise BaroError(f"-p {item!r}: expected NAME=VALUE, e.g. -p confidence_level=0.9")
        out[name.strip()] = value
    return out


def resolve_parameters(given: Mapping[str, str], notebooks: Mapping[str, Path]) -> dict[str, dict[str, Any]]:
    """The ``-p`` values that apply to each notebook (label -> path), converted to their types.

    Raises BaroError for a name no notebook declares, a name ``baro run``
    sets itself, or a value of the wrong type (the message lists the valid
    parameters), and for values a notebook would run with that fail
    :func:`check_parameters`.
    """
    declared = {label: notebook_parameters(path) for label, path in notebooks.items()}
    listing = "\n".join(
        f"valid parameters of {Path(notebooks[label]).name}:\n" + "\n".join(
            f"  {p}" + (f"  [set by baro run: {MANAGED_PARAMETERS[p.name]}]" if p.name in MANAGED_PARAMETERS else "")
            for p in params.values())
        for label, params in declared.items())
    out: dict[str, dict[str, Any]] = {label: {} for label in notebooks}
    for name, text in given.items():
        if name in MANAGED_PARAMETERS:
            raise BaroError(f"parameter {name!r} is set by baro run (use {MANAGED_PARAMETERS[name]}), not by -p\n{listing}")
        owners = [label for label in notebooks if name in declared[label]]
        if not owners:
            raise BaroError(f"unknown parameter {name!r}\n{listing}")
        for label in owners:
            try:
                out[label][name] = coerce(declared[label][name], text)
            except ValueError as exc:
                raise BaroError(f"parameter {name!r}: {exc} (declared {declared[label][name]})\n{listing}") from None
    for label, params in declared.items():
        check_parameters({**{n: p.default for n, p in params.items()}, **out[label]})
    return out


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def hash_tree(root: str | Path, patterns: Sequence[str] = ("*",)) -> dict[str, str]:
    """SHA-256 of the files under ``root`` matching ``patterns``, by relative path (hidden files
    and ``__pycache__`` left out)."""
    root = Path(root)
    found = {p.relative_to(root).as_posix(): p for pattern in patterns for p in root.rglob(pattern)
             if p.is_file() and not any(s.startswith(".") or s == "__pycache__" for s in p.relative_to(root).parts)}
    return {rel: sha256_file(p) for rel, p in sorted(found.items())}


def code_hashes() -> dict[str, str]:
    """Hashes of what a method change touches: baro's sources, templates and data, the lock file."""
    from baro.paths import project_root

    package = Path(baro.__file__).resolve().parent
    out = {f"baro/{k}": v for k, v in hash_tree(package, ("*.py", "templates/**/*", "data/**/*")).items()}
    lock = next((p for p in (project_root() / "requirements.lock", package.parent / "requirements.lock")
                 if p.is_file()), None)
    out["requirements.lock"] = sha256_file(lock) if lock else "missing"
    return out


def cache_key(notebook_hash: str, parameters: Mapping[str, Any], inputs: Mapping[str, str],
              code: Mapping[str, str]) -> str:
    """SHA-256 over everything a report depends on (canonical JSON).

    >>> cache_key("n", {"seed": 1}, {}, {}) == cache_key("n", {"seed": 2}, {}, {})
    False
    """
    payload = {"notebook": notebook_hash, "parameters": dict(parameters), "inputs": dict(inputs),
               "code": dict(code), "version": baro.__version__}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def edition_inputs(edition: Any, taxonomy: Path) -> dict[str, str]:
    """Hashes of an :class:`~baro.editions.Edition`'s input files: its tables, edition.toml, the taxonomy."""
    out = {f"data/{k}": v for k, v in hash_tree(edition.data_path).items()}
    out["edition.toml"] = sha256_file(edition.path / "edition.toml")
    out["taxonomy.toml"] = sha256_file(taxonomy) if taxonomy.is_file() else "missing"
    return out


@dataclass
class Job:
    """One notebook run into one output folder; ``parameters`` leave out
    ``output_dir`` (the temporary folder the report is written to), ``page``
    is the title block (``title``, ``subtitle``, ``edition``, ``data_status``
    "SIMULATED" or "real", ``data_note``)."""

    name: str  # "2014" or "trends"
    notebook: Path
    output: Path  # OUTPUT/NAME
    parameters: dict[str, Any]
    page: dict[str, Any]
    inputs: dict[str, str] = field(default_factory=dict)
    code: dict[str, str] = field(default_factory=dict)
    notebook_hash: str = ""
    key: str = ""

    @property
    def executed_name(self) -> str:
        return f"{self.name}.ipynb"


def stale_reason(job: Job) -> str | None:
    """Why ``job`` must run (naming what changed, as far as the manifest tells), or None
    when its folder holds the report files and a manifest with ``job.key``."""
    try:
        manifest = json.loads((job.output / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no previous report"
    if manifest.get("cache_key") == job.key:
        missing = [f for f in (*REPORT_FILES, job.executed_name) if not (job.output / f).is_file()]
        return f"missing {', '.join(missing)}" if missing else None
    changed = [job.notebook.name] if manifest.get("notebook_sha256") != job.notebook_hash else []
    if {k: v for k, v in manifest.get("parameters", {}).items() if k != "output_dir"} != job.parameters:
        changed.append("parameters")
    for new, old in ((job.inputs, manifest.get("inputs", {})), (job.code, manifest.get("code", {}))):
        diff = sorted(k for k in set(new) | set(old) if new.get(k) != old.get(k))
        if diff:
            changed.append(", ".join(diff[:3]) + (f" and {len(diff) - 3} more" if len(diff) > 3 else ""))
    if manifest.get("versions", {}).get("baro") not in (None, baro.__version__):
        changed.append("baro version")
    return "changed: " + "; ".join(changed) if changed else "cache key changed"
