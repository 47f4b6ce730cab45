"""Recording a chapter's headline results for the book's Results page.

A chapter creates one :class:`ResultsLog` in its first cells and calls
:meth:`ResultsLog.record` after each headline experiment. Records land in one JSON
file per chapter; the book's ``results_page`` Sphinx extension gathers them into the
Results page and into ``results.json`` beside the HTML.
"""

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from dlbook.paths import resolve_folder

RESULTS_ENV = "DLBOOK_RESULTS"


@dataclass(frozen=True)
class Result:
    """One headline number, with what it takes to judge it."""

    chapter: str
    session: int
    dataset: str
    model: str
    metric: str
    value: float
    epochs: int | None
    train_seconds: float | None
    device: str


def results_dir(root: str | os.PathLike | None = None) -> Path:
    """Where records go: ``root``, ``$DLBOOK_RESULTS``, the checkout's
    ``_build/results``, or ``~/.cache/dlbook/results`` (see :mod:`dlbook.paths`)."""
    return resolve_folder(root, RESULTS_ENV, "_build/results", "results")


def _atomic_write_json(path: Path, payload) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as file:
            json.dump(payload, file, indent=2)
            file.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ResultsLog:
    """The headline results of one chapter, rewritten each time it executes.

    Args:
        chapter: The chapter's path without suffix, as in ``_toc.yml``
            (``"book/neural-networks/multiclass-classification"``).
        session: The course session the chapter belongs to.
    """

    def __init__(
        self, chapter: str, session: int, root: str | os.PathLike | None = None
    ):
        if not chapter or chapter.endswith(".md") or "\\" in chapter:
            raise ValueError(
                f"chapter must be the path in _toc.yml without suffix, such as"
                f" 'book/foundations/tensors-and-operations'; got {chapter!r}"
            )
        self.chapter = chapter
        self.session = session
        self.path = results_dir(root) / (chapter.replace("/", "__") + ".json")
        self.results: list[Result] = []
        _atomic_write_json(self.path, [])

    def record(
        self,
        *,
        dataset: str,
        model: str,
        metric: str,
        value: float,
        device: str,
        epochs: int | None = None,
        train_seconds: float | None = None,
    ) -> Result:
        """Add one result and rewrite the chapter's file; returns the record."""
        value = float(value)
        if value != value:  # NaN
            raise ValueError(f"result {model}/{metric} is NaN: training diverged?")
        result = Result(
            chapter=self.chapter,
            session=self.session,
            dataset=dataset,
            model=model,
            metric=metric,
            value=value,
            epochs=epochs,
            train_seconds=None if train_seconds is None else float(train_seconds),
            device=device,
        )
        self.results.append(result)
        _atomic_write_json(self.path, [asdict(r) for r in self.results])
        return result


def load_results(root: str | os.PathLike | None = None) -> list[Result]:
    """Every recorded result under ``root``, ordered by session then chapter."""
    folder = results_dir(root)
    results = []
    for path in sorted(folder.glob("*.json")):
        results.extend(Result(**record) for record in json.loads(path.read_text()))
    return sorted(results, key=lambda r: (r.session, r.chapter))
