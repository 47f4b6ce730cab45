"""Recording a chapter's headline results for the book's Results page.

A chapter creates one :class:`ResultsLog` in its first cells and calls
:meth:`ResultsLog.record` after each headline experiment. Each record is glued
into the chapter's executed notebook (``myst_nb.glue`` with ``display=False``:
nothing shows on the page), so it travels with the outputs it summarises, also
inside a recorded GPU notebook. The book's build reads the records back from
each page it renders and names their chapter after that page; a notebook run
outside the build (Colab, Binder) records them the same way, invisibly.
"""

import itertools
import json
from dataclasses import asdict, dataclass

# The glue names of records: RESULT_PREFIX + a number, unique in a kernel.
RESULT_PREFIX = "dlbook-result-"
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Result:
    """One headline number, with what it takes to judge it."""

    session: int
    dataset: str
    model: str
    metric: str
    value: float
    epochs: int | None
    train_seconds: float | None
    device: str
    # The page that recorded it, filled in by the build (a notebook cannot
    # know the page it will become).
    chapter: str | None = None


class _Glued:
    """A result as glue stores it: its JSON as the plain-text form (nbformat
    keeps structured data only under JSON mime types, which glue prefixes)."""

    def __init__(self, result: Result):
        self.text = json.dumps(asdict(result))

    def __repr__(self) -> str:
        return self.text


class ResultsLog:
    """The headline results of one chapter.

    Args:
        session: The course session the chapter belongs to.
    """

    def __init__(self, session: int):
        if not isinstance(session, int) or session < 1:
            raise ValueError(
                f"session must be a course session (1-18), got {session!r}"
            )
        self.session = session
        self.results: list[Result] = []

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
        """Add one result, glued into the notebook; returns the record."""
        from myst_nb import glue  # dlbook[book]: only where chapters run

        value = float(value)
        if value != value:  # NaN
            raise ValueError(f"result {model}/{metric} is NaN: training diverged?")
        result = Result(
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
        glue(f"{RESULT_PREFIX}{next(_numbers)}", _Glued(result), display=False)
        return result


def read_glued(name: str, bundle: dict) -> Result | None:
    """The result glued as ``name`` with the mime ``bundle``, or None if
    ``name`` is not a result's."""
    if not name.startswith(RESULT_PREFIX):
        return None
    try:
        return Result(**json.loads(bundle["text/plain"]))
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(
            f"glued result {name!r} holds no result: {bundle!r}"
        ) from error
