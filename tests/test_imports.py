"""The modules of ``msisim`` import each other without a cycle (imports point down).

The graph is read from the source (``ast``), not from a running interpreter: an edge
``a -> b`` is an ``import`` of ``msisim`` module ``b`` anywhere in module ``a`` — at its top or
deferred inside a function, since a deferred import is still a dependency (one hid the cycle
``params -> stakeholder_map -> params``). Imports under ``if TYPE_CHECKING:`` are left out: they
never run. Importing ``a.b.c`` also runs the packages ``a.b`` and ``a``, so those are edges too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import msisim

SRC = Path(msisim.__file__).resolve().parent.parent


def _module_names() -> dict[str, Path]:
    names = {}
    for path in sorted((SRC / "msisim").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_names(module: str, path: Path) -> set[str]:
    """Every name that ``module`` imports at run time, absolute: ``import a.b`` gives ``a.b``
    and ``from a import b`` gives ``a.b`` (module ``a.b``, or a name in module ``a``)."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for statement in child.orelse:
                    visit_one(statement)
                continue
            visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's package
                base = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            out.update(f"{source}.{alias.name}" for alias in node.names)
        else:
            visit(node)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return out


def _imported(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The ``msisim`` modules that ``module`` imports (run-time imports only)."""

    def resolve(name: str) -> str:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name

    out = {resolve(name) for name in _import_names(module, path) if name.startswith("msisim")}
    # importing a.b.c runs the packages a.b and a first (those above `module` already run)
    for target in list(out):
        parent = target.rpartition(".")[0]
        while parent:
            if not module.startswith(parent + ".") and parent in known:
                out.add(parent)
            parent = parent.rpartition(".")[0]
    out.discard("")
    out.discard(module)
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the ``msisim`` modules it imports at run time."""
    known = _module_names()
    return {name: _imported(name, path, known) for name, path in known.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle ``[a, b, ..., a]`` of the graph, or None (depth-first search)."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack = [(start, iter(sorted(graph[start])))]
        path.append(start)
        on_path.add(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
            elif child in on_path:
                return [*path[path.index(child) :], child]
            elif child not in done:
                stack.append((child, iter(sorted(graph.get(child, ())))))
                path.append(child)
                on_path.add(child)
    return None


def test_the_graph_sees_the_imports_it_should() -> None:
    graph = import_graph()
    assert "msisim.params" in graph["msisim.model"], "model imports params at its top"
    assert "msisim.stakeholder_map" in graph["msisim.params"], "a deferred import is an edge"
    assert "msisim.model" not in graph["msisim.agents"], "a TYPE_CHECKING import is no edge"
    assert "msisim.viz" in graph["msisim.cli"], "importing msisim.viz.x runs msisim.viz"


def test_find_cycle_names_the_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_msisim_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, (
        f"import cycle: {' -> '.join(cycle or [])}; make the lower module independent of the "
        "upper one (move the shared part down, or pass what it needs)"
    )


#: The surfaces: the only modules that may import plotting, Hydra or Solara.
SURFACES = ("msisim.cli", "msisim.conf", "msisim.__main__", "msisim.viz")
#: Libraries of the surfaces.
SURFACE_LIBRARIES = ("matplotlib", "seaborn", "hydra", "omegaconf", "solara")


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_imports_point_down() -> None:
    """docs: ENGINEERING.md's layers. Rules never import the model; the model layer never
    imports the study layer or a surface; nothing below the surfaces imports their libraries."""
    graph = import_graph()
    model_layer = ("msisim.model", "msisim.kinds", "msisim.parliament", "msisim.reference")
    for module, targets in sorted(graph.items()):
        if _within(module, ("msisim.rules",)):
            up = sorted(t for t in targets if _within(t, (*model_layer, "msisim.study")))
            assert not up, f"{module} (a rule) imports {up}: rules never import the model"
        if not _within(module, (*SURFACES, "msisim.study")) and module != "msisim":
            up = sorted(t for t in targets if _within(t, (*SURFACES, "msisim.study")))
            assert not up, f"{module} imports {up}: the model layer imports nothing above it"
    for module, path in _module_names().items():
        if _within(module, SURFACES):
            continue
        libraries = sorted(
            {n.split(".")[0] for n in _import_names(module, path)} & set(SURFACE_LIBRARIES)
        )
        assert not libraries, f"{module} imports {libraries}: only the surfaces may"
