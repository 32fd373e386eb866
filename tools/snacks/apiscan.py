"""Which flytekit API a script uses, read from its syntax tree (nothing is imported).

Three things are collected:

- ``imports``: every flytekit import, with the file and line (sibling modules the script
  imports relatively are scanned too, since the script needs them);
- ``calls``: each distinct chain of calls, attribute accesses and subscripts rooted at a name
  bound by a flytekit import, with keyword argument names (``LaunchPlan.get_or_create(…,
  default_inputs=)``, ``flytekit.current_context().secrets.get(group=, key=)``,
  ``conditional(…).if_(…).then(…)``). Names bound from such a chain (``wf = Workflow(…)``)
  and functions decorated by a flytekit decorator (shown as ``<task>``, ``<workflow>``) root
  chains too, so ``wf.add_entity(…)`` and ``t(x=1).with_overrides(limits=)`` show up (a
  function body is a scope: its parameters hide such names). Only the longest chain of each
  nesting is kept;
- ``subclasses``: classes deriving from flytekit classes, with the methods they define.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from snacks.rewrite import is_flytekit_module


@dataclass(frozen=True, kw_only=True)
class ImportUse:
    """``from <module> import <name> as <asname>`` (name None: ``import <module>``)."""

    file: str
    line: int
    module: str
    name: str | None
    asname: str | None

    @property
    def display(self) -> str:
        return f"{self.module}.{self.name}" if self.name else self.module


@dataclass(kw_only=True)
class ApiUse:
    imports: list[ImportUse] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    subclasses: list[str] = field(default_factory=list)
    node_ordering: bool = False

    def module_attributes(self) -> list[tuple[str, str]]:
        """(module, attribute) pairs used through a module alias: ``flytekit.current_context``."""
        aliases = {
            (imp.asname or imp.module): imp.module
            for imp in self.imports
            if imp.name is None and (imp.asname or "." not in imp.module)
        }
        pairs: dict[tuple[str, str], None] = {}
        for chain in self.calls:
            root, dot, rest = chain.partition(".")
            if dot and root in aliases:
                attribute = rest.split(".")[0].split("(")[0].split("[")[0]
                pairs[(aliases[root], attribute)] = None
        return list(pairs)


class _Scanner(ast.NodeVisitor):
    def __init__(self, *, filename: str, use: ApiUse) -> None:
        self.filename = filename
        self.use = use
        self.bound: dict[str, str] = {}  # local name → how chains rooted at it are shown
        self.found: dict[str, None] = {}

    # bindings -----------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if is_flytekit_module(alias.name):
                self.use.imports.append(
                    ImportUse(
                        file=self.filename,
                        line=node.lineno,
                        module=alias.name,
                        name=None,
                        asname=alias.asname,
                    )
                )
                local = alias.asname or alias.name.split(".")[0]
                self.bound[local] = alias.asname or "flytekit"

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level != 0 or not is_flytekit_module(node.module):
            return
        assert node.module is not None
        for alias in node.names:
            self.use.imports.append(
                ImportUse(
                    file=self.filename,
                    line=node.lineno,
                    module=node.module,
                    name=alias.name,
                    asname=alias.asname,
                )
            )
            self.bound[alias.asname or alias.name] = alias.name

    def _decorated(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        arguments += [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
        outside = [*node.args.defaults, *node.args.kw_defaults, node.returns]
        outside += [argument.annotation for argument in arguments]
        for expression in outside:
            if expression is not None:
                self.visit(expression)
        # The body is a scope of its own: parameters hide outer names, and what it binds
        # is forgotten afterwards.
        outer = dict(self.bound)
        for argument in arguments:
            self.bound.pop(argument.arg, None)
        for statement in node.body:
            self.visit(statement)
        self.bound = outer
        for decorator in node.decorator_list:
            root = decorator.func if isinstance(decorator, ast.Call) else decorator
            shown = self.render(root)
            if shown is not None:
                self.bound[node.name] = f"<{shown.split('.')[-1]}>"

    visit_FunctionDef = _decorated
    visit_AsyncFunctionDef = _decorated

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        shown = self.render(node.value, with_arguments=False)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if shown is not None:
                    self.bound[target.id] = shown
                else:
                    self.bound.pop(target.id, None)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            shown = self.render(base)
            if shown is not None:
                methods = [
                    item.name
                    for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                ]
                self.use.subclasses.append(
                    f"class {node.name}({shown}) defining {', '.join(methods) or 'nothing'}"
                )
        self.generic_visit(node)

    # chains -------------------------------------------------------------------------------
    def render(self, node: ast.expr, *, with_arguments: bool = True) -> str | None:
        if isinstance(node, ast.Name):
            return self.bound.get(node.id)
        if isinstance(node, ast.Attribute):
            inner = self.render(node.value, with_arguments=with_arguments)
            return None if inner is None else f"{inner}.{node.attr}"
        if isinstance(node, ast.Subscript):
            inner = self.render(node.value, with_arguments=with_arguments)
            return None if inner is None else f"{inner}[…]"
        if isinstance(node, ast.Call):
            inner = self.render(node.func, with_arguments=with_arguments)
            if inner is None:
                return None
            if not with_arguments:
                return f"{inner}()"
            parts = ["…"] if node.args else []
            parts += [f"{kw.arg}=" if kw.arg else "**" for kw in node.keywords]
            return f"{inner}({', '.join(parts)})"
        return None

    def _record(self, node: ast.expr) -> None:
        shown = self.render(node)
        if shown is None:
            return
        if shown.startswith("<") and "." not in shown:
            return  # a plain call of a decorated function
        self.found[shown] = None

    def visit_Call(self, node: ast.Call) -> None:
        self._record(node)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._record(node)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.RShift) and (
            self.render(node.left) is not None or self.render(node.right) is not None
        ):
            self.use.node_ordering = True
        self.generic_visit(node)


def _longest(chains: list[str]) -> list[str]:
    def extended(chain: str) -> bool:
        return any(
            other != chain and other.startswith(chain) and other[len(chain)] in ".(["
            for other in chains
        )

    return [chain for chain in chains if not extended(chain)]


def scan(path: Path, *, siblings: tuple[str, ...] = ()) -> ApiUse:
    """The flytekit API ``path`` uses, with that of the sibling modules it imports."""
    use = ApiUse()
    found: dict[str, None] = {}
    seen: set[Path] = set()
    queue = [path, *(path.parent / f"{name.replace('.', '/')}.py" for name in siblings)]
    while queue:
        current = queue.pop(0)
        if current in seen or not current.is_file():
            continue
        seen.add(current)
        source = current.read_text(encoding="utf-8")
        try:
            tree = ast.parse(source, filename=str(current))
        except SyntaxError:
            continue
        scanner = _Scanner(filename=current.name, use=use)
        scanner.visit(tree)
        found.update(scanner.found)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                queue.append(current.parent / f"{node.module.replace('.', '/')}.py")
    use.calls = _longest(list(found))
    return use
