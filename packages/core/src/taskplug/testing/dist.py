"""Write a real, importable distribution (modules + dist-info) into a folder."""

from __future__ import annotations

import textwrap
from pathlib import Path


def make_distribution(
    root: Path,
    name: str,
    version: str,
    modules: dict[str, str],
    entry_points: dict[str, dict[str, str]] | None = None,
) -> Path:
    """Create distribution ``name==version`` under ``root`` and return ``root``.

    ``modules`` maps module names (``pkg.mod``) to source text; ``entry_points`` maps groups
    to ``{name: "module:attr"}``. Put ``root`` on ``sys.path`` (``monkeypatch.syspath_prepend``)
    and ``importlib.metadata`` finds it like any installed distribution.
    """
    root.mkdir(parents=True, exist_ok=True)
    for module, source in modules.items():
        parts = module.split(".")
        folder = root.joinpath(*parts[:-1])
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(1, len(parts)):
            init = root.joinpath(*parts[:i], "__init__.py")
            if not init.exists():
                init.write_text("")
        target = folder / (parts[-1] + ".py")
        if target.name == "__init__.py" or (folder / parts[-1]).is_dir():
            target = folder / parts[-1] / "__init__.py"
        target.write_text(textwrap.dedent(source))
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = []
    for group, eps in (entry_points or {}).items():
        lines.append(f"[{group}]")
        lines.extend(f"{ep_name} = {target}" for ep_name, target in eps.items())
        lines.append("")
    (info / "entry_points.txt").write_text("\n".join(lines))
    (info / "top_level.txt").write_text("\n".join(sorted({m.split(".")[0] for m in modules})))
    (info / "RECORD").write_text("")
    return root
