"""The one fingerprint of what chapters import but do not contain.

jupyter-cache keys a chapter on its own code cells, and a GPU record names the
code cells it ran; neither sees the ``dlbook`` package or the pinned
requirements, so both are hashed here, by component. The execution-cache guard
(:mod:`booktools.sphinx.execution`) clears the cache when any component
changes; a GPU record (:mod:`booktools.records`) is stale when any differs
from the one it was recorded with.
"""

import hashlib
import json
from pathlib import Path

# What the chapters' outputs depend on besides their own cells, relative to the
# book's root. Folders contribute every file below them.
COMPONENTS = {
    "dlbook": ("code/dlbook", "code/pyproject.toml"),
    "requirements": ("requirements.txt", "requirements-lock.txt"),
}
DESCRIPTIONS = {
    "code_cells": "the chapter's code cells",
    "dlbook": "the dlbook package",
    "requirements": "the pinned requirements",
}
# Made by running or linting the package, not part of it.
IGNORED = {"__pycache__", ".pytest_cache", ".ruff_cache"}


def _files(root: Path, names) -> list[Path]:
    files = []
    for name in names:
        path = root / name
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and not IGNORED & set(p.parts)
            )
        elif path.is_file():
            files.append(path)
    return files


def hash_files(root: Path, names) -> str:
    """sha256 over the names (relative to ``root``) and contents of the files."""
    digest = hashlib.sha256()
    for file in _files(root, names):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def components(root: Path) -> dict[str, str]:
    """One hash per component of :data:`COMPONENTS`."""
    return {name: hash_files(root, paths) for name, paths in COMPONENTS.items()}


def dependencies(root: Path) -> str:
    """One hash of every component: what the execution cache is valid for."""
    return hashlib.sha256(
        json.dumps(components(root), sort_keys=True).encode()
    ).hexdigest()


def code_cells(notebook) -> str:
    """sha256 of a notebook's code cells' sources, in order."""
    digest = hashlib.sha256()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            digest.update(cell.source.encode() + b"\0")
    return digest.hexdigest()
