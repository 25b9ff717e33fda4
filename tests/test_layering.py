"""The layering of docs/ARCHITECTURE.md, read from the imports with ast: a module imports only
from layers below its own.

A part is a top-level module or package of keitaro_node, or a module of ``core`` (the node core
is cut into its definition, planning, HTTP and engine parts). The emulator may use layer 0 only
(it is a server, not a client), and only ``embedded`` and the CLI start it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "keitaro_node"
LAYERS = {
    "_version": 0,
    "errors": 0,
    "masking": 0,
    "limits": 0,
    "safe_yaml": 0.5,
    "dotted": 0,
    "cache": 0,
    "defaults": 0,
    "model": 1,
    "outcomes": 1.5,
    "options": 1.5,
    "core.schemas": 1.8,
    "core.definition": 2,
    "core.parameters": 2,
    "core.planner": 2.5,
    "core.steps": 2,
    "core.pagination": 2,
    "core.policy": 2,
    "expressions": 2,
    "outputs": 2,
    "core.http": 3,
    "core.client": 4,
    "core.executor": 4.5,
    "node": 5,
    "check": 6,
    "credentials": 6,
    "workflows": 6.5,
    "n8n": 7,
    "mcp": 7,
    "embedded": 7.5,
    "serve": 7.5,
    "cli": 8,
}
MAY_USE_EMULATOR = {"embedded", "cli"}


def imports(path: Path) -> set[str]:
    """Top-level keitaro_node modules and third-party packages a file imports."""
    found: set[str] = set()
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level])
                target = [*base, *(node.module.split(".") if node.module else [])]
                if not node.module:
                    found |= {".".join([*base, a.name]) for a in node.names}
                else:
                    found.add(".".join(target))
            elif node.module:
                found.add(node.module)
    return found


def internal(names: set[str]) -> set[str]:
    """The parts named: ``keitaro_node.core.http.X`` is ``core.http``, ``keitaro_node.cli.run``
    is ``cli``."""
    parts = set()
    for name in names:
        if not name.startswith("keitaro_node."):
            continue
        dotted = name.split(".")[1:]
        parts.add(".".join(dotted[:2]) if dotted[0] == "core" and len(dotted) > 1 else dotted[0])
    return parts


PACKAGES = {"emulator", "adapters"}
"""Sub-packages outside the layer table (the emulator and the engine adapters sit at the top)."""


def files(module: str) -> list[Path]:
    """A part's source files: one file, or every file of a sub-package."""
    single = PACKAGE / f"{module.replace('.', '/')}.py"
    return [single] if single.exists() else sorted((PACKAGE / module).rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    modules |= {p.parent.name for p in PACKAGE.glob("*/__init__.py")} - PACKAGES - {"core"}
    modules |= {f"core.{p.stem}" for p in (PACKAGE / "core").glob("*.py") if p.stem != "__init__"}
    assert modules == set(LAYERS), modules ^ set(LAYERS)


@pytest.mark.parametrize("module", sorted(LAYERS))
def test_imports_only_from_below(module: str) -> None:
    names = set().union(*(imports(path) for path in files(module)))
    for dep in internal(names) - {module, "core"}:
        if dep == "emulator":
            assert module in MAY_USE_EMULATOR, f"{module} imports the emulator"
            continue
        assert dep in LAYERS, f"{module} imports unknown module {dep}"
        assert LAYERS[dep] < LAYERS[module], (
            f"{module} (layer {LAYERS[module]}) imports {dep} (layer {LAYERS[dep]})"
        )
    if module not in ("core.http", "serve"):  # the one client; the one server of the runtime
        assert not any(n == "aiohttp" or n.startswith("aiohttp.") for n in names), (
            f"{module} imports aiohttp"
        )
    if module != "expressions":
        assert "quickjs" not in names, f"{module} uses the JavaScript engine directly"


def test_only_the_sandbox_touches_the_javascript_engine() -> None:
    for path in files("expressions"):
        if "quickjs" in imports(path):
            assert path.name == "sandbox.py", path


def test_emulator_uses_only_layer_zero() -> None:
    for path in (PACKAGE / "emulator").glob("*.py"):
        deps = internal(imports(path)) - {"emulator"}
        assert deps <= {"errors", "masking", "limits"}, (path.name, deps)


def test_each_node_type_is_one_module_in_the_table() -> None:
    from keitaro_node.workflows.nodes import TABLE

    folder = PACKAGE / "workflows" / "nodes"
    modules = {p.stem for p in folder.glob("*.py")} - {"__init__", "base"}
    assert {kind.run.__module__.rsplit(".", 1)[1] for kind in TABLE.values()} == modules
    for module in modules:  # a node type uses the shared base and the model, never the runner
        deps = {n for n in imports(folder / f"{module}.py") if ".workflows." in f".{n}."}
        assert not deps & {"keitaro_node.workflows.runner", "keitaro_node.workflows.document"}, (
            module,
            deps,
        )


def test_no_module_is_over_500_lines() -> None:
    """Small rooms with one job each: a module past 500 lines is doing more than one."""
    lengths = {
        str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert {name: n for name, n in lengths.items() if n > 500} == {}
