"""Code blocks of the Markdown docs, and how test_docs.py runs them.

The conventions (also in CONTRIBUTING.md):

- Every fenced block of ``*.md`` at the top, ``docs/**/*.md``, ``packages/*/README.md`` and
  ``examples/*/README.md`` runs, in order, in a fresh copy of the checkout made for that
  document (so ``packages/core``, ``./examples/...`` and ``scripts/dev.py`` are where a reader
  of the checkout has them). Files written by one block are there for the next.
- ``python`` blocks run as a script (``python -`` in that folder, which is also on
  ``PYTHONPATH``); ``python`` blocks starting with ``>>>`` and ``pycon`` blocks are doctests
  (``ELLIPSIS`` and ``NORMALIZE_WHITESPACE`` on; write ``...`` for the parts that vary).
- ``bash``/``sh``/``shell``/``console`` blocks and blocks without a language run with
  ``bash -euo pipefail`` (every line must succeed; no ``$`` prompts). ``taskplug``,
  ``taskplug-execute``, ``python`` and ``uv`` are those of the test environment.
- ``text``, ``output``, ``markdown`` and ``md`` blocks are shown output, never run.
  ``toml``, ``yaml``, ``json``, ``ini`` and ``cfg`` blocks need ``file=`` (below).
- A comment right above the fence (``<!-- docs-test: ... -->``, invisible on GitHub) changes
  that; its words, space-separated (quote values with spaces):

  ``file=PATH``   write the block to PATH (relative to the document's folder) instead of
                  running it; a later block uses it (``toml`` and ``json`` are parsed first).
  ``fails``       the block must fail (non-zero exit, or an exception); ``fails="text"``: and
                  its output must contain ``text``.
  ``venv``        run with a throwaway virtual environment activated (made with pip in it on
                  the document's first ``venv`` block, kept for its later ones): for blocks
                  that install things. Never install outside such a block. ``venv=NAME``: a
                  separate one, for a block that must start from an empty environment.
  ``wheelhouse``  ``wheelhouse/`` holds the four packages' wheels before the block runs (as
                  README's "Install" builds them), for ``pip install --find-links wheelhouse``.
  ``skip="why"``  not run; the reason is required and is shown as a skipped test. Rare: for
                  commands that cannot run in a test (the test suite itself, minutes-long
                  benchmarks, a cluster).
  ``needs=MODS``  the block needs these modules (comma-separated), e.g. an optional extra
                  such as ``torch`` that the test environments do not install: it runs where
                  they are importable and is shown as a skipped test, with the reason, where
                  they are not.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SHELL = {"", "bash", "sh", "shell", "console"}
PYTHON = {"python", "py", "python3"}
DOCTEST = {"pycon"}
SHOWN = {"text", "output", "markdown", "md"}
DATA = {"toml", "yaml", "yml", "json", "ini", "cfg"}
KEYS = {"file", "fails", "venv", "wheelhouse", "skip", "needs"}
TIMEOUT = 900  # seconds per block: building wheels and installing with pip takes a while

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_MARK = re.compile(r"^\s*<!--\s*docs-test:(?P<words>.*?)-->\s*$")
_COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".tox", ".venv", "wheelhouse", "__pycache__", "*.egg-info", "build", "dist",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis",
)  # fmt: skip


class DocError(AssertionError):
    """A block that failed, or a marker that is wrong; the message names file and line."""


@dataclass
class Block:
    """One fenced code block of a Markdown file."""

    doc: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    marks: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{_shown(self.doc)}:{self.line}"

    @property
    def missing(self) -> list[str]:
        """The modules of ``needs=`` that are not importable here."""
        names = [n for n in self.marks.get("needs", "").split(",") if n.strip()]
        return [n.strip() for n in names if importlib.util.find_spec(n.strip()) is None]

    @property
    def skip_reason(self) -> str | None:
        """Why the block is not run here (``skip=``, or modules ``needs=`` misses), if so."""
        if "skip" in self.marks:
            return self.marks["skip"]
        missing = self.missing
        if missing:
            return f"needs {', '.join(missing)} (an optional extra), not installed here"
        return None

    @property
    def kind(self) -> str:
        """What is done with it: ``skip``, ``file``, ``shown``, ``doctest``, ``python``, ``shell``."""
        if self.skip_reason is not None:
            return "skip"
        if "file" in self.marks:
            return "file"
        if self.lang in SHOWN:
            return "shown"
        if self.lang in DOCTEST or (self.lang in PYTHON and self.text.lstrip().startswith(">>>")):
            return "doctest"
        if self.lang in PYTHON:
            return "python"
        if self.lang in SHELL:
            return "shell"
        if self.lang in DATA:
            raise DocError(f"{self.where}: a {self.lang} block needs file=PATH (or skip=...)")
        raise DocError(
            f"{self.where}: no runner for ```{self.lang} blocks; use text for shown output, "
            "or mark it (see tests/docs/docblocks.py)"
        )


def _shown(doc: Path) -> str:
    """``doc`` relative to the checkout (or as it is, for a file elsewhere)."""
    return str(doc.relative_to(ROOT)) if doc.is_relative_to(ROOT) else doc.name


def documents() -> list[Path]:
    """Every Markdown file whose blocks are run."""
    found = [
        *ROOT.glob("*.md"),
        *ROOT.glob("docs/**/*.md"),
        *ROOT.glob("packages/*/README.md"),
        *ROOT.glob("examples/*/README.md"),
    ]
    return sorted(set(found))


def _parse_marks(words: str, where: str) -> dict[str, str]:
    marks: dict[str, str] = {}
    try:
        items = shlex.split(words)
    except ValueError as exc:
        raise DocError(f"{where}: cannot read the docs-test marker: {exc}") from exc
    for item in items:
        key, _, value = item.partition("=")
        if key not in KEYS:
            raise DocError(f"{where}: unknown docs-test word {key!r} (known: {sorted(KEYS)})")
        if key in ("file", "skip", "needs") and not value.strip():
            raise DocError(f"{where}: docs-test {key}= needs a value")
        marks[key] = value
    return marks


def _closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes a block opened with ``fence`` (same character, as long or more)."""
    text = line.strip()
    return len(text) >= len(fence) and set(text) == {fence[0]}


def parse(doc: Path) -> list[Block]:
    """The fenced blocks of ``doc`` with the markers right above each."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        fence, indent = m["fence"], len(m["indent"])
        lang = m["info"].strip().split(" ")[0].lower() if m["info"].strip() else ""
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not _closes(lines[i], fence):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        if i >= len(lines):
            raise DocError(f"{_shown(doc)}:{start + 1}: code block is never closed")
        i += 1
        marks: dict[str, str] = {}
        j = start - 1
        while j >= 0 and (mark := _MARK.match(lines[j])):
            marks = {**_parse_marks(mark["words"], f"{_shown(doc)}:{j + 1}"), **marks}
            j -= 1
        blocks.append(Block(doc, start + 1, lang, "\n".join(body) + "\n", marks))
    return blocks


# -- running ----------------------------------------------------------------------------------


def uv() -> list[str]:
    from taskplug.testing.venv import uv_command

    found = uv_command()
    if found is None:
        raise RuntimeError("uv is not installed (the tests env installs it)")
    return found


def build_wheels(out: Path) -> Path:
    """The four packages' wheels in ``out`` (what README's Install builds)."""
    from taskplug.testing.venv import run_checked

    for pkg in ("core", "plugin-k8s-pod", "plugin-sql", "plugin-eager"):
        run_checked(
            [
                *uv(),
                "build",
                "--quiet",
                "--wheel",
                "--out-dir",
                str(out),
                str(ROOT / "packages" / pkg),
            ]
        )
    return out


def copy_checkout(dest: Path) -> Path:
    """A copy of the checkout (without .git, .tox, virtual environments, build output)."""
    shutil.copytree(ROOT, dest, ignore=_COPY_IGNORE, symlinks=True)
    return dest


class Session:
    """The folder, environment and state one document's blocks run in."""

    def __init__(self, doc: Path, scratch: Path, wheels: Path | None) -> None:
        self.doc = doc
        self.scratch = scratch
        self.work = copy_checkout(scratch / "checkout")
        self.venvs: dict[str, Path] = {}
        self.venv: Path | None = None  # the one of the block being run
        self.wheels = wheels
        self.count = 0

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TASKPLUG_", "FLYTE_", "_F_"))
            and k not in ("VIRTUAL_ENV", "PYTHONPATH")
        }
        path = [str(Path(sys.executable).parent), env.get("PATH", "/usr/bin:/bin")]
        if self.venv is not None:
            path.insert(0, str(self.venv / "bin"))
            env["VIRTUAL_ENV"] = str(self.venv)
        env["PATH"] = os.pathsep.join(path)
        env["PYTHONPATH"] = str(self.work)
        env["COLUMNS"] = "120"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def python(self) -> str:
        return str(self.venv / "bin" / "python") if self.venv is not None else sys.executable

    def prepare(self, block: Block) -> None:
        self.venv = None
        if "venv" in block.marks:
            name = block.marks["venv"] or "default"
            if name not in self.venvs:
                from taskplug.testing.venv import run_checked

                folder = self.scratch / f"venv-{name}"
                run_checked(
                    [*uv(), "venv", "--quiet", "--seed", "--python", sys.executable, str(folder)]
                )
                self.venvs[name] = folder
            self.venv = self.venvs[name]
        if "wheelhouse" in block.marks:
            if self.wheels is None:
                raise DocError(f"{block.where}: wheelhouse asked for, but no wheels were built")
            target = self.work / "wheelhouse"
            target.mkdir(exist_ok=True)
            for wheel in self.wheels.glob("*.whl"):
                shutil.copy2(wheel, target / wheel.name)

    def run(self, block: Block) -> None:
        kind = block.kind
        if kind in ("skip", "shown"):
            return
        self.prepare(block)
        if kind == "file":
            self._write(block)
            return
        self.count += 1
        script = self.scratch / f"block-{self.count}"
        if kind == "shell":
            script.write_text(block.text)
            cmd = ["bash", "-euo", "pipefail", str(script)]
        elif kind == "python":
            script.write_text(block.text)
            cmd = [self.python(), str(script)]
        else:
            script.write_text(block.text)
            cmd = [self.python(), "-c", _DOCTEST_DRIVER, str(script), block.where]
        try:
            proc = subprocess.run(
                cmd, cwd=self.work, env=self.env(), capture_output=True, text=True, timeout=TIMEOUT
            )
        except subprocess.TimeoutExpired as exc:
            raise DocError(f"{block.where}: did not finish in {TIMEOUT} s") from exc
        output = proc.stdout + proc.stderr
        expected_failure = block.marks.get("fails")
        if "fails" not in block.marks:
            if proc.returncode != 0:
                raise DocError(
                    self._report(block, f"failed (exit status {proc.returncode})", output)
                )
        elif proc.returncode == 0:
            raise DocError(
                self._report(block, "was expected to fail (docs-test: fails) but passed", output)
            )
        elif expected_failure and expected_failure not in output:
            raise DocError(
                self._report(block, f"failed without {expected_failure!r} in its output", output)
            )

    def _write(self, block: Block) -> None:
        target = self.work / block.marks["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.text, encoding="utf-8")
        try:
            if block.lang == "toml":
                tomllib.loads(block.text)
            elif block.lang == "json":
                json.loads(block.text)
            elif block.lang in PYTHON:
                compile(block.text, str(target), "exec")
        except (ValueError, SyntaxError) as exc:
            raise DocError(f"{block.where}: the {block.lang} block does not parse: {exc}") from exc

    @staticmethod
    def _report(block: Block, what: str, output: str) -> str:
        shown = textwrap.indent(block.text.rstrip(), "    | ")
        return f"{block.where}: the {block.lang or 'shell'} block {what}:\n{shown}\n--- output ---\n{output[-4000:]}"


# The doctest runner, run by the block's interpreter (which may be a throwaway venv's).
_DOCTEST_DRIVER = """
import doctest, sys
path, where = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
test = doctest.DocTestParser().get_doctest(text, {"__name__": "__main__"}, where, where, 0)
runner = doctest.DocTestRunner(optionflags=flags)
runner.run(test)
sys.exit(1 if runner.failures else 0)
"""
