"""The layers hold: no import cycles, the codec stays free of the viewer's libraries,
the viewer's model free of Textual, and the viewer uses the codec's public face only.

Imports are read from the source (every ``import`` statement, those inside
functions included), so a lazy import counts as much as one at the top.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("iolog", "iolog_tui")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``name`` imports (a package's ``__init__`` for ``from pkg import x``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, if there is any (a package importing its own modules is no cycle)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for other in sorted(graph[name]):
            if name.startswith(other + ".") or other.startswith(name + "."):
                continue  # a package and its own modules
            if state.get(other) == 1:
                return stack[stack.index(other) :] + [other]
            if other not in state:
                found = visit(other)
                if found:
                    return found
        stack.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            found = visit(name)
            if found:
                return found
    return None


@pytest.mark.parametrize("package", ["iolog", "iolog_tui"])
def test_no_import_cycles(package: str) -> None:
    def inside(name: str) -> bool:
        return name == package or name.startswith(package + ".")

    graph = {name: {o for o in deps if inside(o)} for name, deps in _graph().items() if inside(name)}
    assert _cycle(graph) is None


def test_the_codec_imports_nothing_but_the_standard_library_and_itself() -> None:
    allowed_third_party = {"serial"}  # pyserial, imported only when a port opens
    for name, path in _modules().items():
        if not name.startswith("iolog.") and name != "iolog":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            for root in roots:
                assert root in allowed_third_party or root == "iolog" or root in _STDLIB, (name, root)


_STDLIB = set(__import__("sys").stdlib_module_names) | {"__future__"}


def _import_roots(path: Path) -> list[tuple[str, str]]:
    """``(root, module)`` of every absolute import in ``path`` (``from x.y import z``: ``x``, ``x.y``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            module = node.module or ""
            found.append((module.split(".")[0], module))
    return found


def test_the_viewer_model_imports_no_textual() -> None:
    for name, path in _modules().items():
        if name == "iolog_tui.model" or name.startswith("iolog_tui.model."):
            roots = {root for root, _module in _import_roots(path)}
            assert not roots & {"textual", "rich"}, name


def test_the_viewer_imports_only_the_codec_s_public_face() -> None:
    for name, path in _modules().items():
        if not name.startswith("iolog_tui"):
            continue
        for root, module in _import_roots(path):
            if root == "iolog":
                assert module == "iolog", (name, module)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None



def test_no_module_of_either_package_is_over_about_500_lines() -> None:
    for name, path in _modules().items():
        assert len(path.read_text().splitlines()) <= 500, name


def _public_face() -> list[str]:
    """The codec's public face as ``__all__`` lists it."""
    import iolog

    return [name for name in iolog.__all__ if name != "__version__"]


def test_the_public_face_is_what_the_package_docstring_says() -> None:
    import iolog

    public = _public_face()
    doc = iolog.__doc__ or ""
    named = re.findall(r":(?:class|func|data):`(\w+)`", doc)
    assert set(named) == set(public)
    stated = re.search(r"The public face is these (\d+) names", doc)
    assert stated is not None and int(stated.group(1)) == len(public)
    assert len(public) <= 29, "about 25 names: what a user of the library needs"
    assert set(iolog._HOMES) == set(public)


def test_names_outside_the_public_face_are_not_attributes_of_the_package() -> None:
    import iolog

    for name in ("encode_entry", "line_runs", "find_lines", "LineRun", "Diversion", "check_log"):
        assert not hasattr(iolog, name), name
    assert set(dir(iolog)) >= set(iolog.__all__)


@pytest.mark.parametrize("name", _public_face())
def test_every_name_of_the_public_face_has_a_docstring(name: str) -> None:
    import iolog

    value = getattr(iolog, name)
    if isinstance(value, type):
        doc = value.__dict__.get("__doc__") or ""
        assert doc and not doc.startswith(f"{name}("), name  # its own, not a dataclass's signature
    else:
        assert callable(value) and value.__doc__, name


def test_importing_the_codec_loads_none_of_its_modules() -> None:
    code = "import sys, iolog; print(sorted(m for m in sys.modules if m.startswith('iolog.')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"


def test_the_viewer_uses_only_names_of_the_public_face() -> None:
    allowed = set(_public_face()) | {"__version__"}
    for name, path in _modules().items():
        if not name.startswith("iolog_tui"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module == "iolog" and not node.level:
                used = {alias.name for alias in node.names}
            elif isinstance(node, ast.Attribute) and ast.unparse(node.value) == "iolog":
                used = {node.attr}
            else:
                continue
            assert used <= allowed, (name, used - allowed)


_WIDGET_BASES = {"Widget", "Screen", "ModalScreen", "ScrollView", "Horizontal", "App"}


def _widget_classes() -> dict[str, list[str]]:
    """The viewer's modules that define widgets or screens, and those classes."""
    found: dict[str, list[str]] = {}
    for name, path in _modules().items():
        if not name.startswith("iolog_tui."):
            continue
        for node in ast.parse(path.read_text(), str(path)).body:
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(base).split("[")[0].rpartition(".")[2] for base in node.bases}
                if bases & _WIDGET_BASES:
                    found.setdefault(name.rpartition(".")[2], []).append(node.name)
    return found


def test_every_widget_and_screen_has_its_own_test_module() -> None:
    widgets = _widget_classes()
    wanted = {"logview", "panes", "filterbar", "searchbar", "timeline", "statusbar", "logscreen"}
    assert wanted <= set(widgets)
    for module, classes in widgets.items():
        tests = ROOT / "tests" / f"test_tui_{module}.py"
        assert tests.exists(), tests
        imported = {
            alias.name
            for node in ast.walk(ast.parse(tests.read_text(), str(tests)))
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        for name in classes:
            assert name in imported, (tests.name, name)
