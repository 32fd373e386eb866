"""Find the example scripts of a flytesnacks checkout.

flytesnacks keeps one project per folder under ``examples/``: ``examples/<project>/`` holds a
Dockerfile, a README and a Python package of the same name, ``examples/<project>/<project>/``,
whose modules are the example scripts. ``GUIDE_SECTIONS`` maps the user guide's sections to
their projects; any other project can be named by its folder.
"""

from __future__ import annotations

import ast
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: The user-guide sections issue 15 names, in its order, and their project folders.
GUIDE_SECTIONS: dict[str, str] = {
    "basics": "basics",
    "data types and IO": "data_types_and_io",
    "advanced composition": "advanced_composition",
    "development lifecycle": "development_lifecycle",
    "productionizing": "productionizing",
    "extending": "extending",
    "testing": "testing",
}


class CheckoutError(Exception):
    """The path given is not a usable flytesnacks checkout."""


@dataclass(frozen=True, kw_only=True)
class Script:
    """One example script and how to run it.

    ``project`` is ``examples/<project>`` (copied whole for each run, so sibling modules and
    data files are there); ``package`` the importable package inside it. A script with a
    relative import (``from .workflow import simple_wf``) cannot run as ``python script.py``;
    it runs as ``python -m package.module`` from the project folder, which is how such a
    script is meant to be loaded (``pyflyte run`` does the same).
    """

    section: str
    project: Path
    package: str
    path: Path
    relative_imports: tuple[str, ...]

    @property
    def name(self) -> str:
        """``project/package/script.py``, relative to ``examples/``."""
        return self.path.relative_to(self.project.parent).as_posix()

    @property
    def module(self) -> str:
        return f"{self.package}.{self.path.stem}"


def relative_imports(path: Path) -> tuple[str, ...]:
    """The sibling modules a file imports relatively (``from .workflow import x`` → workflow)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError:
        return ()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            if node.module:
                found.append(node.module)
            else:
                found.extend(alias.name for alias in node.names)
    return tuple(dict.fromkeys(found))


def project_dir(checkout: Path, folder: str) -> Path:
    examples = checkout / "examples"
    if not examples.is_dir():
        raise CheckoutError(f"{checkout} has no examples/ folder: is it a flytesnacks checkout?")
    project = examples / folder
    if not (project / folder / "__init__.py").is_file():
        raise CheckoutError(f"{project} is not a flytesnacks project (no {folder}/__init__.py)")
    return project


def find_scripts(checkout: Path, *, sections: dict[str, str]) -> list[Script]:
    """The example scripts of ``sections`` (section name → project folder), in a stable order."""
    scripts: list[Script] = []
    for section, folder in sections.items():
        project = project_dir(checkout, folder)
        for path in sorted((project / folder).glob("*.py")):
            if path.name == "__init__.py":
                continue
            scripts.append(
                Script(
                    section=section,
                    project=project,
                    package=folder,
                    path=path,
                    relative_imports=relative_imports(path),
                )
            )
    return scripts


def available_projects(checkout: Path) -> list[str]:
    """Every project folder of a checkout (for ``--section`` beyond the guide's sections)."""
    examples = checkout / "examples"
    return sorted(
        init.parent.name
        for init in examples.glob("*/*/__init__.py")
        if init.parent.name == init.parent.parent.name
    )


def checkout_commit(checkout: Path) -> str | None:
    """The checkout's git commit, when it is a git work tree."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = proc.stdout.strip()
    return commit if proc.returncode == 0 and commit else None
