"""The shape of the source tree: no import cycle, bounded modules and functions.

Read from the source files (``ast``), not from imported modules, so that an
import written inside a function counts as much as one at the top.

No module is longer than :data:`MODULE_LINES`; no function is longer than
:data:`FUNCTION_LINES` except the few listed in :data:`ARGUMENT_TABLES`,
each a table of arguments (a parser's options, a sampler's keyword-only
parameters), with the size each may not exceed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import imbdiff

SOURCE = Path(imbdiff.__file__).parent
PACKAGE = SOURCE.name

MODULE_LINES = 500
FUNCTION_LINES = 60

#: Functions allowed over FUNCTION_LINES (docstrings aside), each an
#: argument table: "path:qualified name" -> most lines allowed.
ARGUMENT_TABLES = {
    "cli/_arguments.py:_resample_arguments": 88,
    "samplers/_lreddpm.py:LReDDPM.__init__": 70,
}
MOST_ARGUMENT_TABLES = 3


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, whether it is a package's __init__)."""
    out = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = [PACKAGE, *path.relative_to(SOURCE).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


def _imports(name: str, path: Path, is_package: bool, known) -> set[str]:
    """The package's modules that ``name`` imports, anywhere in its file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".")[: None if is_package else -1]
                here = here[: len(here) - node.level + 1]
                base = ".".join([*here, base] if base else here)
            # "from package import module" imports the module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return cycles


def test_cycle_finder_finds_a_cycle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_imports_inside_functions_count(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from .other import g\n    return g\n")
    known = {f"{PACKAGE}.pkg.m", f"{PACKAGE}.pkg.other"}
    assert _imports(f"{PACKAGE}.pkg.m", source, False, known) == {
        f"{PACKAGE}.pkg.other"
    }


def test_no_import_cycle_between_modules():
    modules = _modules()
    graph = {
        name: _imports(name, path, is_package, modules)
        for name, (path, is_package) in modules.items()
    }
    assert sum(map(len, graph.values())) > 50  # the parser found the imports
    assert _cycles(graph) == []


def _long_modules() -> dict[str, int]:
    out = {}
    for path in SOURCE.rglob("*.py"):
        lines = len(path.read_text("utf-8").splitlines())
        if lines > MODULE_LINES:
            out[path.relative_to(SOURCE).as_posix()] = lines
    return out


def _long_functions() -> dict[str, int]:
    out = {}
    for path in SOURCE.rglob("*.py"):
        relative = path.relative_to(SOURCE).as_posix()
        out.update(
            (f"{relative}:{name}", lines)
            for name, lines in _function_lengths(path.read_text("utf-8"))
            if lines > FUNCTION_LINES
        )
    return out


def _function_lengths(source: str):
    """(qualified name, lines without the docstring) of every function."""

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = child.end_lineno - child.lineno + 1
                first = child.body[0]
                value = getattr(first, "value", None)
                docstring = isinstance(value, ast.Constant) and isinstance(
                    value.value, str
                )
                if isinstance(first, ast.Expr) and docstring:
                    lines -= first.end_lineno - first.lineno + 1
                yield f"{prefix}{child.name}", lines
                yield from walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(ast.parse(source), "")


def test_function_lengths_leave_the_docstring_out():
    source = (
        'class A:\n    def f(self):\n        """Doc\n\n        more."""\n'
        "        return 1\n"
    )
    assert dict(_function_lengths(source)) == {"A.f": 2}


def test_no_module_is_too_long():
    assert _long_modules() == {}, f"over {MODULE_LINES} lines"


def test_only_argument_tables_are_long_functions():
    assert len(ARGUMENT_TABLES) <= MOST_ARGUMENT_TABLES
    found = _long_functions()
    grown = {
        key: (lines, ARGUMENT_TABLES.get(key, FUNCTION_LINES))
        for key, lines in found.items()
        if lines > ARGUMENT_TABLES.get(key, FUNCTION_LINES)
    }
    assert not grown, f"over the bound (lines, most allowed): {grown}"
    fixed = sorted(set(ARGUMENT_TABLES) - set(found))
    assert not fixed, (
        f"back under {FUNCTION_LINES} lines; remove from the list: {fixed}"
    )
