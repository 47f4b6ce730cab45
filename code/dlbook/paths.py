"""Where the package keeps the folders it fills: one rule for every folder.

An explicit argument wins, then an environment variable, then a folder of the
book's checkout (when the package is installed editable from one), then a folder
under ``~/.cache/dlbook``. The result is absolute, so chapters find it whatever
their working directory.
"""

import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]


def in_checkout() -> bool:
    """True when the package runs from a checkout of the book."""
    return (CHECKOUT / "_config.yml").is_file()


def resolve_folder(
    root: str | os.PathLike | None, env: str, checkout_folder: str, cache_folder: str
) -> Path:
    """The folder ``root``, ``$env``, ``<checkout>/checkout_folder`` or
    ``~/.cache/dlbook/cache_folder``, the first that applies."""
    if root is not None:
        return Path(root).expanduser().resolve()
    if os.environ.get(env):
        return Path(os.environ[env]).expanduser().resolve()
    if in_checkout():
        return CHECKOUT / checkout_folder
    return Path.home() / ".cache" / "dlbook" / cache_folder
