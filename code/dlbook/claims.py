"""Sentences of a chapter whose truth depends on the run, checked by the run.

A chapter that writes "the weighted loss costs overall accuracy" states the
claim once more, in the cell that produces the numbers, in one line:

    claim(weighted_accuracy < plain_accuracy,
          "the class-weighted loss lowers overall test accuracy",
          weighted=weighted_accuracy, plain=plain_accuracy)

While the run supports the sentence nothing happens. When a later run does
not (new data, a new seed, a changed model), the cell raises
:class:`ClaimError`, whose message quotes the sentence and the numbers it was
judged on, and the strict build stops at that chapter. A sentence whose
direction may legitimately change from run to run should not be a claim: let
the cell compute its wording and glue that instead.
"""

import numbers


class ClaimError(AssertionError):
    """A sentence of a chapter that the run no longer supports."""


def claim(holds, sentence: str, **evidence) -> None:
    """Check that the run supports ``sentence``, as the prose states it.

    Args:
        holds: The sentence's truth, as computed from the run: a bool, or a
            one-element tensor or array.
        sentence: The claim in words, as the chapter's prose makes it.
        **evidence: The numbers the claim is judged on, shown when it fails.

    Raises:
        ClaimError: the run contradicts the sentence.
        TypeError: ``holds`` is not one truth value (for example a tensor of
            several elements, which should be reduced with ``all()`` or
            ``any()`` first, whichever the sentence means).
    """
    if not sentence.strip():
        raise ValueError("claim() needs the sentence it checks, in words")
    size = holds.numel() if hasattr(holds, "numel") else getattr(holds, "size", 1)
    if size != 1:
        raise TypeError(
            f"claim() needs one truth value, got {size} for {sentence!r}; "
            "reduce them with .all() or .any(), whichever the sentence means"
        )
    if bool(holds):
        return
    shown = ", ".join(f"{name} = {_show(value)}" for name, value in evidence.items())
    raise ClaimError(
        f"the chapter says that {sentence}, but this run does not support it"
        + (f" ({shown})" if shown else "")
        + ". Reword the sentence, or compute its wording and glue it, and rebuild."
    )


def _show(value) -> str:
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return f"{value:.4g}"
    return repr(value)
