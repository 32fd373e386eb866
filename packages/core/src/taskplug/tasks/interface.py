"""A task's interface: inputs and outputs read from a function signature once, then reused.

Reading uses the function's code object, defaults and ``__annotations__`` directly (no
``inspect.signature``); string annotations (``from __future__ import annotations``) are resolved
with ``typing.get_type_hints``. Docstring descriptions are parsed on first use only.
"""

from __future__ import annotations

import functools
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from taskplug.errors import TaskSignatureError, TypeTransformerFailedError, UnsupportedTypeError

__all__ = [
    "MISSING",
    "Interface",
    "default_output_tuple",
    "describe_type",
    "has_value_return",
    "module_name_for_file",
    "module_of",
    "output_names_for",
    "transform_function",
]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: Marks an input without a default.
MISSING: Any = _Missing()


def describe_type(t: object) -> str:
    """A readable name for a type (``int``, ``list[int]``, ``my.module.Point``)."""
    if isinstance(t, type) and not typing.get_args(t):
        mod = t.__module__
        return t.__qualname__ if mod == "builtins" else f"{mod}.{t.__qualname__}"
    return repr(t).replace("typing.", "")


def _is_named_tuple(t: object) -> bool:
    return isinstance(t, type) and issubclass(t, tuple) and hasattr(t, "_fields")


@functools.cache
def default_output_tuple(fields: tuple[str, ...]) -> type:
    """The ``DefaultNamedTupleOutput`` class with these fields (one class per field names).

    Its instances pickle (they are rebuilt through this function).
    """
    import collections

    cls = collections.namedtuple("DefaultNamedTupleOutput", fields, rename=True)  # type: ignore[misc]

    def __reduce__(self: tuple[Any, ...]) -> tuple[Any, ...]:
        return (_rebuild_output_tuple, (fields, tuple(self)))

    cls.__reduce__ = __reduce__  # type: ignore[method-assign,assignment]
    return cls


def _rebuild_output_tuple(fields: tuple[str, ...], values: tuple[Any, ...]) -> tuple[Any, ...]:
    result: tuple[Any, ...] = default_output_tuple(fields)(*values)
    return result


def output_names_for(return_type: object) -> tuple[dict[str, Any], type | None]:
    """Outputs for a return annotation: ``({name: type}, NamedTuple class or None)``."""
    if return_type is None or return_type is type(None):
        return {}, None
    if isinstance(return_type, type) and _is_named_tuple(return_type):
        hints = typing.get_type_hints(return_type)
        fields: tuple[str, ...] = getattr(return_type, "_fields", ())
        return {f: hints[f] for f in fields}, return_type
    origin = typing.get_origin(return_type)
    if origin is tuple:
        args = typing.get_args(return_type)
        if not args or (len(args) == 2 and args[1] is Ellipsis):
            return {"o0": return_type}, None
        return {f"o{i}": a for i, a in enumerate(args)}, None
    return {"o0": return_type}, None


class Interface:
    """Inputs (with defaults) and outputs of a task, plus their literal converters.

    ``inputs`` and ``outputs`` map names to Python types; ``defaults`` holds the defaults of the
    inputs that have one; ``output_tuple`` is the NamedTuple class of named multiple outputs
    (``None`` unless the return annotation is a NamedTuple); :attr:`result_tuple` is the class
    a call with several outputs returns.
    """

    __slots__ = (
        "_descriptions",
        "_docstring",
        "_input_names",
        "_input_set",
        "_required",
        "_result_tuple",
        "defaults",
        "input_converters",
        "inputs",
        "output_converters",
        "output_tuple",
        "outputs",
    )

    def __init__(
        self,
        inputs: Mapping[str, Any] | None = None,
        outputs: Mapping[str, Any] | None = None,
        *,
        defaults: Mapping[str, Any] | None = None,
        output_tuple: type | None = None,
        docstring: str | None = None,
    ) -> None:
        self.inputs: dict[str, Any] = dict(inputs or {})
        self.outputs: dict[str, Any] = dict(outputs or {})
        self.defaults: dict[str, Any] = dict(defaults or {})
        self.output_tuple = output_tuple
        self._input_names = tuple(self.inputs)
        self._input_set = frozenset(self.inputs)
        self._required = tuple(n for n in self.inputs if n not in self.defaults)
        self._docstring = docstring
        self._descriptions: dict[str, str] | None = None
        self._result_tuple: type | None = output_tuple
        self.input_converters: dict[str, Any] = {}
        self.output_converters: dict[str, Any] = {}

    @property
    def result_tuple(self) -> type | None:
        """The tuple class a call returns when there are several outputs (else ``None``).

        The declared NamedTuple, or (as flytekit 1.16) a named tuple class called
        ``DefaultNamedTupleOutput`` whose fields are the output names (``o0``, ``o1``… for a
        ``tuple[...]`` annotation), so ``two(x=1).o0`` works. Made once, on first use.
        """
        if self._result_tuple is None and len(self.outputs) > 1:
            self._result_tuple = default_output_tuple(tuple(self.outputs))
        return self._result_tuple

    # -- converters -------------------------------------------------------------------------

    def build_converters(self, task_name: str, *, allow_pickle: bool) -> None:
        """Look up a converter for every input and output; unsupported types fail here."""
        from taskplug.types import TypeEngine

        for kind, variables, target in (
            ("input", self.inputs, self.input_converters),
            ("output", self.outputs, self.output_converters),
        ):
            for name, t in variables.items():
                try:
                    target[name] = TypeEngine.converter(t, allow_pickle=allow_pickle)
                except TypeTransformerFailedError as exc:
                    # the type engine's message already says what to do (one piece of advice)
                    raise UnsupportedTypeError(
                        exc.detail, expected=t, task=task_name, var=name, kind=kind
                    ) from exc

    # -- names and docs ---------------------------------------------------------------------

    @property
    def input_names(self) -> tuple[str, ...]:
        """Input names in declaration order."""
        return self._input_names

    def description(self, name: str) -> str:
        """The docstring description of an input or output (``""`` when there is none)."""
        if self._descriptions is None:
            self._descriptions = parse_docstring_params(self._docstring or "")
        return self._descriptions.get(name, "")

    def remove_inputs(self, names: list[str] | None) -> Interface:
        """A copy without the named inputs (``ignore_input_vars``)."""
        if not names:
            return self
        return Interface(
            {k: v for k, v in self.inputs.items() if k not in names},
            self.outputs,
            defaults={k: v for k, v in self.defaults.items() if k not in names},
            output_tuple=self.output_tuple,
            docstring=self._docstring,
        )

    # -- calls ------------------------------------------------------------------------------

    def bind(self, task_name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Map a call's arguments onto input names, as flytekit 1.16 does (positional allowed).

        A duplicated, unknown or missing argument raises :class:`TaskSignatureError` naming it.
        """
        if args:
            if len(args) > len(self._input_names):
                raise TaskSignatureError(
                    f"task {task_name!r} takes {len(self._input_names)} input(s) "
                    f"({', '.join(self._input_names) or 'none'}) but {len(args)} positional "
                    "argument(s) were given"
                )
            bound = dict(kwargs)
            for name, value in zip(self._input_names, args):
                if name in bound:
                    raise TaskSignatureError(
                        f"task {task_name!r} got multiple values for input {name!r}"
                    )
                bound[name] = value
            kwargs = bound
        elif len(kwargs) == len(self._input_names) and kwargs.keys() == self._input_set:
            return kwargs
        unknown = kwargs.keys() - self._input_set
        if unknown:
            raise TaskSignatureError(
                f"task {task_name!r} got unexpected input(s) "
                f"{', '.join(map(repr, sorted(unknown)))}; "
                f"its inputs are: {', '.join(self._input_names) or 'none'}"
            )
        missing = [n for n in self._required if n not in kwargs]
        if missing:
            raise TaskSignatureError(
                f"task {task_name!r} is missing required input(s) {', '.join(map(repr, missing))}"
            )
        if len(kwargs) != len(self._input_names):
            kwargs = {**{k: v for k, v in self.defaults.items() if k not in kwargs}, **kwargs}
        return kwargs


def _admits_none(t: object) -> bool:
    """Whether a return annotation is ``Optional[...]``/``X | None`` (flytekit skips those)."""
    import types

    origin = typing.get_origin(t)
    if origin is typing.Annotated:
        return _admits_none(typing.get_args(t)[0])
    if origin is typing.Union or origin is types.UnionType:
        return type(None) in typing.get_args(t)
    return False


def has_value_return(fn: Callable[..., Any]) -> bool:
    """Whether the body of ``fn`` may return a value other than ``None``.

    Reads the bytecode (no source needed). ``False`` only when every return provably returns
    ``None``: a ``RETURN_CONST None``, or a ``RETURN_VALUE`` reached only from a
    ``LOAD_CONST None`` right before it. A ``RETURN_VALUE`` that is also a jump target
    (``return a if c else None``, ``return x or None``) may carry any value; so may any other
    return. Generators and callables without bytecode count as returning values.
    """
    code = getattr(fn, "__code__", None)
    if code is None:
        return True
    if code.co_flags & (inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR):
        return True
    import dis

    rv, lc = dis.opmap["RETURN_VALUE"], dis.opmap["LOAD_CONST"]
    rc = dis.opmap.get("RETURN_CONST", -1)
    ext = dis.EXTENDED_ARG
    cache = dis.opmap.get("CACHE", -1)
    raw = code.co_code
    consts = code.co_consts
    none_returns: list[int] = []  # offsets of RETURN_VALUEs that follow a LOAD_CONST None
    prev_op, prev_arg, ext_arg = -1, 0, 0
    for i in range(0, len(raw), 2):
        op = raw[i]
        if op == cache:
            continue
        arg = raw[i + 1] | ext_arg
        if op == ext:
            ext_arg = arg << 8
            continue
        ext_arg = 0
        if op == rv:
            if prev_op == lc and consts[prev_arg] is None:
                none_returns.append(i)
            else:
                return True
        elif op == rc and consts[arg] is not None:
            return True
        prev_op, prev_arg = op, arg
    if not none_returns:
        return False
    # Rare (every return looks like ``return None``): is any of them also a jump target?
    targets = set(dis.findlabels(raw))
    entries = getattr(dis.Bytecode(code), "exception_entries", ())  # not in typeshed
    targets.update(entry.target for entry in entries)
    return any(offset in targets for offset in none_returns)


def transform_function(
    fn: Callable[..., Any],
    *,
    task_name: str,
    allow_pickle: bool = False,
    check_returns: bool = True,
) -> Interface:
    """Read the interface of ``fn``; refuse what a task cannot express.

    Refused: ``*args``/``**kwargs``, an input without annotation (unless ``allow_pickle``), and,
    with ``check_returns``, a declared output when the function cannot return a value (see
    :func:`has_value_return`; as in flytekit, not checked when the return annotation admits
    ``None``). Task classes that never run the function pass ``check_returns=False``.
    """
    if hasattr(fn, "__wrapped__"):
        # a functools.wraps decorator: the signature is the decorated function's, as
        # inspect.signature (and flytekit) read it; the wrapper is what gets called
        fn = _unwrap(fn, task_name)
    code = fn.__code__
    nargs = code.co_argcount + code.co_kwonlyargcount
    if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        raise TaskSignatureError(
            f"task {task_name!r}: *args and **kwargs cannot be task inputs; declare each input"
        )
    names = code.co_varnames[:nargs]
    annotations: dict[str, Any] = dict(getattr(fn, "__annotations__", {}) or {})
    if any(isinstance(v, str) for v in annotations.values()):
        try:
            annotations = _resolve_hints(fn, annotations)
        except Exception as exc:
            raise TaskSignatureError(
                f"task {task_name!r}: its type annotations could not be resolved: {exc}"
            ) from exc
    defaults: dict[str, Any] = {}
    positional = code.co_varnames[: code.co_argcount]
    if fn.__defaults__:
        defaults.update(zip(positional[-len(fn.__defaults__) :], fn.__defaults__))
    if fn.__kwdefaults__:
        defaults.update(fn.__kwdefaults__)
    inputs: dict[str, Any] = {}
    for name in names:
        if name in annotations:
            inputs[name] = annotations[name]
        elif allow_pickle:
            inputs[name] = Any
        else:
            raise TaskSignatureError(
                f"task {task_name!r}: input {name!r} has no type annotation; annotate it "
                "(or pass pickle_untyped=True to pickle untyped values)"
            )
    if "return" in annotations:
        returned = annotations["return"]
        if isinstance(returned, tuple):  # `-> (int, str)`: flytekit reads it as Tuple[int, str]
            returned = _tuple_annotation(returned, task_name)
            annotations["return"] = returned
        outputs, output_tuple = output_names_for(returned)
    elif allow_pickle:  # as flytekit: an unannotated return is one pickled output
        outputs, output_tuple = {"o0": Any}, None
    else:
        outputs, output_tuple = {}, None
    if (
        check_returns
        and outputs
        and not _admits_none(annotations.get("return"))
        and not has_value_return(fn)
    ):
        raise TaskSignatureError(
            f"task {task_name!r} declares output(s) {', '.join(outputs)} of type "
            f"{describe_type(annotations.get('return', Any))} but its function has no return "
            "statement that returns a value (a task class whose function body never runs "
            "sets function_runs = False)"
        )
    return Interface(
        inputs, outputs, defaults=defaults, output_tuple=output_tuple, docstring=fn.__doc__
    )


def _resolve_hints(fn: Callable[..., Any], annotations: dict[str, Any]) -> dict[str, Any]:
    """String annotations resolved, as ``typing.get_type_hints`` does; a return annotation
    ``"(int, str)"`` (a tuple literal under ``from __future__ import annotations``, which
    ``get_type_hints`` refuses) is evaluated on its own."""
    try:
        return typing.get_type_hints(fn, include_extras=True)
    except TypeError:
        returned = annotations.get("return")
        if not (isinstance(returned, str) and returned.lstrip().startswith("(")):
            raise
    namespace = getattr(fn, "__globals__", {})
    value = eval(returned, namespace)  # what get_type_hints does with the same string
    if not isinstance(value, tuple):
        raise TypeError(f"return annotation {returned!r} is not a type")
    holder = types.SimpleNamespace(
        __annotations__={k: v for k, v in annotations.items() if k != "return"}
    )
    hints = typing.get_type_hints(holder, globalns=namespace, include_extras=True)
    hints["return"] = value
    return hints


def _unwrap(fn: Callable[..., Any], task_name: str) -> Callable[..., Any]:
    """The innermost function behind ``functools.wraps`` wrappers (``__wrapped__`` chain)."""
    inner: Callable[..., Any] = inspect.unwrap(fn, stop=lambda f: hasattr(f, "__signature__"))
    if not hasattr(inner, "__code__"):
        raise TaskSignatureError(
            f"task {task_name!r}: the function behind its decorators ({inner!r}) is not a "
            "Python function, so its inputs cannot be read; decorate a plain function"
        )
    return inner


def _tuple_annotation(returned: tuple[Any, ...], task_name: str) -> Any:
    """A return annotation written as a tuple of types: ``(int, str)`` → ``tuple[int, str]``."""
    if not returned:
        return None
    if len(returned) == 1:
        raise TaskSignatureError(
            f"task {task_name!r}: its return annotation is a tuple of one type "
            f"({describe_type(returned[0])},); a tuple declares several outputs: write "
            f"-> {describe_type(returned[0])} for one"
        )
    return tuple[returned]  # type: ignore[valid-type]


# -- docstrings ---------------------------------------------------------------------------------

_REST_PARAM = re.compile(r"^\s*:param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")
_REST_RETURN = re.compile(r"^\s*:returns?\s*(\w+)?\s*:\s*(.*)$")
_GOOGLE_SECTION = re.compile(
    r"^\s*(Args|Arguments|Parameters|Params|Returns|Return|Yields)\s*:\s*$"
)
_GOOGLE_ITEM = re.compile(r"^\s*(\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")


def parse_docstring_params(doc: str) -> dict[str, str]:
    """Descriptions of parameters and outputs from a Google- or reST-style docstring.

    The return description is stored under ``"o0"`` (and under a named output when the
    Google ``Returns:`` section names one).
    """
    out: dict[str, str] = {}
    section: str | None = None
    last: str | None = None
    for line in inspect.cleandoc(doc).splitlines():
        m = _REST_PARAM.match(line)
        if m:
            out[m.group(1)] = m.group(2).strip()
            last, section = m.group(1), None
            continue
        m = _REST_RETURN.match(line)
        if m:
            out[m.group(1) or "o0"] = m.group(2).strip()
            last, section = m.group(1) or "o0", None
            continue
        m = _GOOGLE_SECTION.match(line)
        if m:
            section = "returns" if m.group(1).startswith(("Return", "Yield")) else "args"
            last = None
            continue
        if section is not None:
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            m = _GOOGLE_ITEM.match(line)
            if m and indent <= 4:
                out[m.group(1)] = m.group(3).strip()
                last = m.group(1)
                if section == "returns":
                    out.setdefault("o0", out[last])
            elif section == "returns" and last is None:
                out["o0"] = line.strip()
                last = "o0"
            elif last is not None:
                out[last] = f"{out[last]} {line.strip()}".strip()
            continue
        if last is not None and line.startswith((" ", "\t")) and line.strip():
            out[last] = f"{out[last]} {line.strip()}"
    return out


def module_of(fn: Callable[..., Any]) -> str:
    """The module name of ``fn`` as flytekit 1.16 names it (entity names start with it).

    ``__main__`` becomes the script's module name; a module whose file sits in a package
    folder (``__init__.py`` next to it) is named from the outermost such folder, so
    ``python pkg/script.py`` names its tasks ``pkg.script.x``, as flytekit does.
    """
    mod = str(fn.__module__)
    cached = _MODULE_NAMES.get(mod)
    if cached is not None:
        return cached
    module = sys.modules.get(mod)
    path = getattr(module, "__file__", None)
    name = mod
    if path and str(path).endswith(".py"):
        full = module_name_for_file(str(path))
        if mod == "__main__" or len(full) > len(mod):
            name = full
    if mod != "__main__":  # __main__ may be another script later (runpy)
        _MODULE_NAMES[mod] = name
    return name


_MODULE_NAMES: dict[str, str] = {}


def module_name_for_file(path: str) -> str:
    """The dotted module name of a ``.py`` file, walking up the folders with ``__init__.py``."""
    import os

    directory, filename = os.path.split(os.path.abspath(path))
    parts = [os.path.splitext(filename)[0]]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        if not package:
            break
        parts.insert(0, package)
    return ".".join(parts)
