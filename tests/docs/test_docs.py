"""Every code block of the docs runs, as written, in a fresh copy of the checkout.

The documents: ``*.md`` at the top of the repository, ``docs/**/*.md``,
``packages/*/README.md`` and ``examples/*/README.md`` — new files are picked up by themselves.
Each document is one test; its blocks run in order and share a folder (a copy of the
checkout), so a file one block writes is there for the next.

How blocks run, and the markers that change it (a comment right above the fence):

    <!-- docs-test: file=my_tasks.py -->          write the block to that file, do not run it
    <!-- docs-test: fails -->                     the block must fail (fails="text": with text)
    <!-- docs-test: venv -->                      run in a throwaway venv (for pip install ...)
    <!-- docs-test: venv wheelhouse -->           ... with the four wheels in wheelhouse/
    <!-- docs-test: venv=other -->                ... in another throwaway venv
    <!-- docs-test: skip="why it cannot run" -->  not run; shown as a skipped test with the why
    <!-- docs-test: needs=torch -->               run where torch is importable, else skipped

``python`` blocks run as scripts, ``pycon`` blocks (or ``python`` ones starting with ``>>>``)
as doctests with ELLIPSIS; blocks without a language and ``bash``/``sh``/``shell``/``console``
ones with ``bash -euo pipefail``; ``text``/``output``/``markdown`` blocks are shown output and
never run; ``toml``/``yaml``/``json``/``ini`` blocks need ``file=``. Details in docblocks.py
and CONTRIBUTING.md.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from docblocks import ROOT, Block, DocError, Session, build_wheels, documents, parse

DOCS = documents()


def _ids(doc: Path) -> str:
    return str(doc.relative_to(ROOT))


def _skipped_blocks() -> list[Block]:
    found = []
    for doc in DOCS:
        with contextlib.suppress(DocError):  # reported by test_doc_blocks_run
            found += [b for b in parse(doc) if b.skip_reason is not None]
    return found


@pytest.fixture(scope="session")
def docs_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheels(tmp_path_factory.mktemp("docs-wheels"))


def test_the_docs_are_found() -> None:
    names = {_ids(d) for d in DOCS}
    assert {"README.md", "CONTRIBUTING.md", "docs/entrypoint.md", "docs/platform.md"} <= names
    assert "examples/third-party-plugin/README.md" in names
    assert "packages/core/README.md" in names


@pytest.mark.parametrize("doc", DOCS, ids=_ids)
def test_doc_blocks_run(doc: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    blocks = parse(doc)
    for block in blocks:
        block.kind
    needs_wheels = any("wheelhouse" in b.marks for b in blocks)
    wheels = request.getfixturevalue("docs_wheels") if needs_wheels else None
    session = Session(doc, tmp_path, wheels)
    for block in blocks:
        session.run(block)


@pytest.mark.parametrize("block", _skipped_blocks(), ids=lambda b: b.where)
def test_doc_block_that_cannot_run_here(block: Block) -> None:
    pytest.skip(f"{block.where}: {block.skip_reason}")


_FENCED = re.compile(r"^ *(```|~~~).*?^ *\1", re.MULTILINE | re.DOTALL)
# `pip install x`, `uv pip install ./y`, `python -m pip install z` (a target, not just options)
_INLINE_INSTALL = re.compile(r"`((?:uv |python3? -m )?pip3? install(?: +-[^ `]+)* +[^- `][^`]*)`")


@pytest.mark.parametrize("doc", DOCS, ids=_ids)
def test_install_commands_are_in_blocks_that_run(doc: Path) -> None:
    """An install command in running text (`pip install x`) is never run: put it in a block."""
    prose = _FENCED.sub("", doc.read_text(encoding="utf-8"))
    assert _INLINE_INSTALL.findall(prose) == []


# -- the runner itself --------------------------------------------------------------------------


def _session(tmp_path: Path, text: str) -> tuple[Session, list[Block]]:
    doc = tmp_path / "doc.md"
    doc.write_text(text)
    return Session(doc, tmp_path / "run", None), parse(doc)


def _run_all(tmp_path: Path, text: str) -> Session:
    session, blocks = _session(tmp_path, text)
    for block in blocks:
        block.kind  # raises DocError for a block nobody knows how to run
        session.run(block)
    return session


def test_runner_files_python_doctest_and_shell_share_a_folder(tmp_path: Path) -> None:
    session = _run_all(
        tmp_path,
        """# doc

<!-- docs-test: file=pkg_x/settings.toml -->
```toml
answer = 42
```

<!-- docs-test: file=helper_x.py -->
```python
import tomllib
ANSWER = tomllib.load(open("pkg_x/settings.toml", "rb"))["answer"]
```

```python
from helper_x import ANSWER
open("from_python.txt", "w").write(str(ANSWER))
```

```pycon
>>> from helper_x import ANSWER
>>> ANSWER + 1
43
>>> 1 / 0
Traceback (most recent call last):
...
ZeroDivisionError: division by zero
```

```
test "$(cat from_python.txt)" = 42
taskplug --version > version.txt
test -d packages/core  # a copy of the checkout
```

```text
shown output; never run: exit 1
```
""",
    )
    assert (session.work / "version.txt").read_text().startswith("taskplug, version")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("```\ntrue\nfalse\ntrue\n```\n", "doc.md:1: the shell block failed (exit status 1)"),
        ("<!-- docs-test: fails -->\n```\ntrue\n```\n", "expected to fail"),
        ('<!-- docs-test: fails="needle" -->\n```bash\nexit 3\n```\n', "without 'needle'"),
        ("```pycon\n>>> 1 + 1\n3\n```\n", "doc.md:1: the pycon block failed"),
        ("```python\nraise SystemExit(4)\n```\n", "exit status 4"),
        ("```toml\na = 1\n```\n", "a toml block needs file=PATH"),
        ("```rust\nfn main() {}\n```\n", "no runner for ```rust blocks"),
        ("<!-- docs-test: vnev -->\n```\ntrue\n```\n", "unknown docs-test word 'vnev'"),
        ("<!-- docs-test: skip -->\n```\ntrue\n```\n", "skip= needs a value"),
        ("<!-- docs-test: needs -->\n```\ntrue\n```\n", "needs= needs a value"),
        ("<!-- docs-test: file=x.toml -->\n```toml\na = \n```\n", "does not parse"),
        ("```\ntrue\n", "doc.md:1: code block is never closed"),
    ],
)
def test_runner_reports_what_went_wrong_and_where(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DocError) as info:
        _run_all(tmp_path, text)
    assert message in str(info.value)


def test_runner_markers_expected_failure_and_skip(tmp_path: Path) -> None:
    session, blocks = _session(
        tmp_path,
        """<!-- docs-test: fails="is a directory" -->
```
taskplug run . add
```

<!-- docs-test: skip="needs a cluster" -->
```
exit 1
```
""",
    )
    assert [b.kind for b in blocks] == ["shell", "skip"]
    assert blocks[1].marks == {"skip": "needs a cluster"}
    for block in blocks:
        session.run(block)


def test_runner_needs_marker_runs_or_skips_with_the_reason(tmp_path: Path) -> None:
    session, blocks = _session(
        tmp_path,
        """<!-- docs-test: needs=json,shlex -->
```python
open("ran.txt", "w").write("yes")
```

<!-- docs-test: needs=json,no_such_module_xyz -->
```python
raise SystemExit(1)
```
""",
    )
    assert [b.kind for b in blocks] == ["python", "skip"]
    assert blocks[0].skip_reason is None
    assert blocks[1].skip_reason == (
        "needs no_such_module_xyz (an optional extra), not installed here"
    )
    for block in blocks:
        session.run(block)
    assert (session.work / "ran.txt").read_text() == "yes"


def test_runner_venv_blocks_get_their_own_environments(tmp_path: Path) -> None:
    _run_all(
        tmp_path,
        """<!-- docs-test: venv -->
```
echo "$VIRTUAL_ENV" > first.txt
test "$(command -v pip)" = "$VIRTUAL_ENV/bin/pip"
python -c "import sys; assert sys.prefix != sys.base_prefix and sys.prefix.endswith('venv-default')"
```

```
test -z "${VIRTUAL_ENV:-}"  # a block without the marker runs without it
```

<!-- docs-test: venv -->
```
test "$VIRTUAL_ENV" = "$(cat first.txt)"  # kept for the document's later venv blocks
```

<!-- docs-test: venv=other -->
```
test "$VIRTUAL_ENV" != "$(cat first.txt)"
```
""",
    )
