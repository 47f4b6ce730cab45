import json

import pytest

from dlbook.results import Result, ResultsLog, load_results, results_dir


def record(log, **overrides):
    fields = dict(
        dataset="MNIST", model="MLP", metric="test accuracy", value=0.98, device="cpu"
    )
    return log.record(**(fields | overrides))


def test_records_round_trip_through_json(tmp_path):
    log = ResultsLog("book/neural-networks/mlp", session=7, root=tmp_path)
    first = record(log, epochs=5, train_seconds=12.5)
    record(log, model="CNN", value=0.99)
    assert isinstance(first, Result) and first.session == 7
    loaded = load_results(tmp_path)
    assert [r.model for r in loaded] == ["MLP", "CNN"]
    assert loaded[0] == first
    on_disk = json.loads(log.path.read_text())
    assert on_disk[0]["train_seconds"] == 12.5 and on_disk[1]["epochs"] is None


def test_a_new_log_replaces_the_chapters_old_records(tmp_path):
    record(ResultsLog("book/a", session=1, root=tmp_path))
    ResultsLog("book/a", session=1, root=tmp_path)  # the chapter re-executes
    assert load_results(tmp_path) == []


def test_results_are_ordered_by_session(tmp_path):
    record(ResultsLog("book/late", session=9, root=tmp_path))
    record(ResultsLog("book/early", session=2, root=tmp_path))
    assert [r.chapter for r in load_results(tmp_path)] == ["book/early", "book/late"]


def test_nan_results_are_refused(tmp_path):
    log = ResultsLog("book/a", session=1, root=tmp_path)
    with pytest.raises(ValueError, match="NaN"):
        record(log, value=float("nan"))
    assert load_results(tmp_path) == []


@pytest.mark.parametrize("bad", ["", "book/a.md", "book\\a"])
def test_chapter_must_be_a_toc_path(tmp_path, bad):
    with pytest.raises(ValueError, match="without suffix"):
        ResultsLog(bad, session=1, root=tmp_path)


def test_results_dir_honours_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DLBOOK_RESULTS", str(tmp_path))
    assert results_dir() == tmp_path
    log = ResultsLog("book/x", session=3)
    assert log.path.parent == tmp_path
