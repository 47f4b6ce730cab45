"""The fingerprint of what a chapter imports but does not contain.

jupyter-cache keys a chapter on its own code cells, and a GPU record names the
code cells it ran; neither sees the ``dlbook`` modules the chapter imports or
the pinned requirements, so both are hashed here, by component and per
chapter: the modules a chapter imports (by name, and the modules those import,
found by reading their source), the package's data files and metadata, and the
requirements. A change to ``dlbook.translation`` thus re-executes, or makes
stale the records of, only the chapters that use it.

The execution-cache guard (:mod:`booktools.sphinx.execution`) re-executes a
chapter whose fingerprint changed; a GPU record (:mod:`booktools.records`) is
stale when any component differs from the one it was recorded with.
"""

import ast
import hashlib
import json
from pathlib import Path

PACKAGE = "code/dlbook"
PACKAGE_METADATA = "code/pyproject.toml"
REQUIREMENTS = ("requirements.txt", "requirements-lock.txt")
DESCRIPTIONS = {
    "code_cells": "the chapter's code cells",
    "dlbook": "the dlbook modules it imports",
    "requirements": "the pinned requirements",
}
# Made by running or linting the package, not part of it.
IGNORED = {"__pycache__", ".pytest_cache", ".ruff_cache"}
EVERY_MODULE = "*"


def hash_files(root: Path, files) -> str:
    """sha256 over the names (relative to ``root``) and contents of ``files``,
    in their order; a missing file counts as absent."""
    digest = hashlib.sha256()
    for file in map(Path, files):
        if file.is_file():
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def dlbook_imports(source: str) -> set[str]:
    """The dlbook modules ``source`` imports: ``{"training"}`` for ``from
    dlbook.training import fit`` or ``from dlbook import training``;
    :data:`EVERY_MODULE` for ``import dlbook`` alone, whose attributes could be
    any module."""
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "dlbook":
                modules |= {alias.name for alias in node.names}
                continue
            names = [node.module]
        else:
            continue
        for name in names:
            if name == "dlbook":
                modules.add(EVERY_MODULE)
            elif name.startswith("dlbook."):
                modules.add(name.split(".")[1])
    return modules


def python_only(source: str) -> str:
    """A code cell without its IPython magics and shell escapes (``%xmode``,
    ``!ls``), which are not Python and import nothing."""
    lines = []
    for line in source.splitlines():
        code = line.lstrip()
        # Keep the indentation: a magic may sit inside a block.
        magic = code.startswith(("%", "!"))
        lines.append(line[: len(line) - len(code)] + "pass" if magic else line)
    return "\n".join(lines)


def module_closure(root: Path, modules: set[str]) -> set[str]:
    """``modules`` and every dlbook module they import, transitively."""
    package = root / PACKAGE
    every = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    if EVERY_MODULE in modules:
        return every
    closure, todo = set(), list(modules)
    while todo:
        name = todo.pop()
        path = package / f"{name}.py"
        if name in closure or not path.is_file():
            continue
        closure.add(name)
        todo.extend(dlbook_imports(path.read_text()))
    return closure


def package_files(root: Path, modules: set[str]) -> list[Path]:
    """The files of the package that code importing ``modules`` depends on:
    those modules (and theirs), ``__init__.py``, every data file (a style
    sheet, say) and the package's metadata."""
    package = root / PACKAGE
    files = [package / f"{name}.py" for name in module_closure(root, modules)]
    files.append(package / "__init__.py")
    files += [
        p
        for p in package.rglob("*")
        if p.is_file() and p.suffix != ".py" and not IGNORED & set(p.parts)
    ]
    return [*sorted(files), root / PACKAGE_METADATA]


def code_sources(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def components(root: Path, notebook) -> dict[str, str]:
    """One hash per component a chapter's outputs depend on besides its cells."""
    imported = set()
    for source in code_sources(notebook):
        try:
            imported |= dlbook_imports(python_only(source))
        except SyntaxError:  # not Python after all: depend on everything
            imported.add(EVERY_MODULE)
    return {
        "dlbook": hash_files(root, package_files(root, imported)),
        "requirements": hash_files(root, [root / name for name in REQUIREMENTS]),
    }


def dependencies(root: Path, notebook) -> str:
    """One hash of every component: what a cached execution is valid for."""
    text = json.dumps(components(root, notebook), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def code_cells(notebook) -> str:
    """sha256 of a notebook's code cells' sources, in order."""
    digest = hashlib.sha256()
    for source in code_sources(notebook):
        digest.update(source.encode() + b"\0")
    return digest.hexdigest()
