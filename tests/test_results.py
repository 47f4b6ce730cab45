"""Results glued into the notebook, as the build reads them back."""

import IPython.core.formatters
import myst_nb
import pytest

from dlbook.results import RESULT_PREFIX, Result, ResultsLog, read_glued


@pytest.fixture
def glued(monkeypatch):
    """What myst_nb.glue() would put into the notebook: name -> mime bundle."""
    store = {}

    def glue(name, value, display=True):
        assert display is False  # a record must not show on the page
        assert name not in store  # glue keys must be unique in a notebook
        store[name] = IPython.core.formatters.format_display_data(value)[0]

    monkeypatch.setattr(myst_nb, "glue", glue)
    return store


def record(log, **overrides):
    fields = dict(
        dataset="MNIST", model="MLP", metric="test accuracy", value=0.98, device="cpu"
    )
    return log.record(**(fields | overrides))


def test_records_round_trip_through_the_glued_json(glued):
    log = ResultsLog(session=7)
    first = record(log, epochs=5, train_seconds=12.5)
    record(log, model="CNN", value=0.99)
    assert isinstance(first, Result) and first.session == 7
    assert first.chapter is None  # the build names it after its page
    assert all(name.startswith(RESULT_PREFIX) for name in glued)
    read = [read_glued(name, bundle) for name, bundle in glued.items()]
    assert [r.model for r in read] == ["MLP", "CNN"]
    assert read[0] == first and read[1].epochs is None


def test_two_logs_in_one_kernel_glue_under_different_names(glued):
    record(ResultsLog(session=1))
    record(ResultsLog(session=1))
    assert len(glued) == 2


def test_other_glued_values_are_not_results():
    assert read_glued("test_accuracy", {"text/plain": "0.9"}) is None
    with pytest.raises(ValueError, match="holds no result"):
        read_glued(RESULT_PREFIX + "1", {"text/plain": "0.9"})


def test_nan_results_are_refused(glued):
    log = ResultsLog(session=1)
    with pytest.raises(ValueError, match="NaN"):
        record(log, value=float("nan"))
    assert glued == {} and log.results == []


@pytest.mark.parametrize("bad", [0, "7", None])
def test_session_must_be_a_course_session(bad):
    with pytest.raises(ValueError, match="course session"):
        ResultsLog(session=bad)
