"""The Results page extension, on a throw-away book whose chapters record results."""

import json

import pytest

from booktools.book import ROOT
from booktools.sphinx.results import (
    _format_value,
    chart_series,
    match_record,
    reference_problems,
)
from dlbook.results import Result
from tiny_book import build_book, code_cell

RECORD = """\
from dlbook.results import ResultsLog
log = ResultsLog(session={session})
log.record(dataset="{dataset}", model="{model}", metric="test accuracy",
           value={value}, device="CPU", epochs=3, train_seconds=1.5)
"""


def chapter(session, dataset, model, value):
    return code_cell(
        RECORD.format(session=session, dataset=dataset, model=model, value=value)
    )


def test_results_page_table_json_and_dataset_filter(tmp_path):
    pages = {
        "intro": "Intro.\n",
        "ch/a": chapter(2, "Fashion-MNIST", "softmax regression", 0.851),
        "ch/b": chapter(1, "MNIST", "MLP", 0.982),
        # Sorted before the chapters, yet it must be read after them.
        "ch/0-compare": "```{results-table}\n:dataset: MNIST\n:name: tbl-mnist\n```\n",
    }
    result = build_book(tmp_path, pages)
    assert result.returncode == 0, result.stdout + result.stderr
    html = tmp_path / "_build" / "html"
    records = json.loads((html / "results.json").read_text())
    assert [(r["chapter"], r["value"]) for r in records] == [
        ("ch/b", 0.982),
        ("ch/a", 0.851),
    ]
    compare = (html / "ch" / "0-compare.html").read_text()
    assert "98.20%" in compare and "85.10%" not in compare


def test_a_table_with_no_matching_result_fails_the_build(tmp_path):
    pages = {
        "intro": "```{results-table}\n:dataset: CIFAR-10\n```\n",
        "ch/a": chapter(2, "Fashion-MNIST", "softmax regression", 0.851),
    }
    result = build_book(tmp_path, pages)
    assert result.returncode != 0
    assert "no chapter recorded a result on 'CIFAR-10'" in result.stdout + result.stderr


def test_reference_rows_match_exactly_or_a_models_configuration():
    records = {
        ("Fashion-MNIST", "MLP", "test accuracy"): "mlp",
        ("Fashion-MNIST", "ResNet-18 (preview: 32 px)", "test accuracy"): "resnet",
        ("Fashion-MNIST", "ResNet-180", "test accuracy"): "other",
    }
    key = {"dataset": "Fashion-MNIST", "metric": "test accuracy"}
    assert match_record(records, {**key, "model": "MLP"}) == "mlp"
    assert match_record(records, {**key, "model": "ResNet-18"}) == "resnet"
    assert match_record(records, {**key, "model": "ResNet"}) is None
    assert match_record(records, {**key, "model": "MLP", "metric": "loss"}) is None


def test_reference_rows_name_a_dataset_model_and_metric():
    import yaml

    shipped = yaml.safe_load(
        (ROOT / "book" / "back-matter" / "reference-results.yml").read_text()
    )
    assert reference_problems(shipped) == []
    # An unquoted comma in a flow mapping splits the dataset into two keys.
    broken = yaml.safe_load(
        "- experiment: translation\n"
        "  ours: {dataset: German-English (Ding, seeded split), model: GRU,"
        " metric: test BLEU}\n"
    )
    (problem,) = reference_problems(broken)
    assert problem.startswith("translation: 'ours' must have exactly")
    assert "quote values" in problem
    empty = [{"experiment": "x", "ours": {"dataset": "", "model": "m", "metric": "a"}}]
    assert reference_problems(empty) == ["x: 'ours' values must be non-empty strings"]


@pytest.mark.parametrize(
    ("metric", "value", "shown"),
    [
        ("test accuracy", 0.8649, r"86.49\%"),
        ("test BLEU", 5.0, "5.0"),  # not "5": BLEU is reported to one decimal
        ("parameters", 4092629.0, "4,092,629"),  # not "4.093e+06"
        ("test perplexity", 3.81123, "3.811"),
    ],
)
def test_values_are_formatted_by_metric(metric, value, shown):
    result = Result(1, "data", "model", metric, value, None, None, "CPU", "ch/a")
    assert _format_value(result) == shown


def test_a_chapter_that_stops_recording_leaves_the_results(tmp_path):
    pages = {
        "intro": "Intro.\n",
        "ch/a": chapter(2, "Fashion-MNIST", "softmax regression", 0.851),
        "ch/b": chapter(1, "MNIST", "MLP", 0.982),
    }
    assert build_book(tmp_path, pages).returncode == 0
    pages["ch/a"] = code_cell("print('no results any more')")
    result = build_book(tmp_path, pages)
    assert result.returncode == 0, result.stdout + result.stderr
    records = json.loads((tmp_path / "_build" / "html" / "results.json").read_text())
    assert [r["chapter"] for r in records] == ["ch/b"]


def test_pages_that_record_and_show_each_others_results(tmp_path):
    """ch/a is read before ch/b, yet its table must show ch/b's record (the
    translation chapters do this), and each its own."""
    table = "\n```{results-table}\n:dataset: D\n:name: tbl-NAME\n```\n"
    pages = {
        "intro": "Intro.\n",
        "ch/a": chapter(16, "D", "GRU", 0.5) + table.replace("NAME", "a"),
        "ch/b": chapter(17, "D", "attention", 0.75) + table.replace("NAME", "b"),
    }
    result = build_book(tmp_path, pages)
    assert result.returncode == 0, result.stdout + result.stderr
    for page in ("a", "b"):
        html = (tmp_path / "_build" / "html" / "ch" / f"{page}.html").read_text()
        assert "50.00%" in html and "75.00%" in html, page
    # A build with nothing changed reads them once, and shows the same.
    again = build_book(tmp_path, pages)
    assert again.returncode == 0, again.stdout + again.stderr
    html = (tmp_path / "_build" / "html" / "ch" / "a.html").read_text()
    assert "50.00%" in html and "75.00%" in html


def test_a_chapter_quotes_a_published_result_from_the_reference_file(tmp_path):
    (tmp_path / "book" / "back-matter").mkdir(parents=True)
    (tmp_path / "book" / "back-matter" / "reference-results.yml").write_text(
        "- experiment: Softmax regression\n"
        "  setup: Fashion-MNIST\n"
        "  result: test accuracy 0.830-0.835\n"
        "  source: zhang2023dive\n"
    )
    quoted = "The reference reports {reference-result}`Softmax regression`.\n"
    result = build_book(tmp_path, {"intro": "Intro.\n", "ch/a": quoted})
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "_build" / "html" / "ch" / "a.html").read_text()
    assert "The reference reports " in page and "test accuracy 0.830-0.835" in page

    unknown = quoted.replace("Softmax regression", "Softmax regresion")
    result = build_book(tmp_path, {"intro": "Intro.\n", "ch/a": unknown})
    assert result.returncode != 0
    assert "no experiment 'Softmax regresion'" in result.stdout + result.stderr


BY_LENGTH = """\
from dlbook.results import ResultsLog
log = ResultsLog(session={session})
for group, value in {values}:
    log.record(dataset="D", model="{model}", metric=f"test chrF, {{group}}",
               value=value, device="CPU", epochs=3)
log.record(dataset="D", model="{model}", metric="test chrF", value=1.0,
           device="CPU", epochs=3)
"""


def test_chart_series_groups_one_datasets_metric_by_model():
    def record(model, metric, value, dataset="D", epochs=3):
        return Result(16, dataset, model, metric, value, epochs, None, "CPU", "ch/a")

    results = [
        record("GRU", "test chrF, 1-5", 30.0),
        record("GRU", "test chrF, 6+", 20.0),
        record("GRU", "test chrF", 25.0),  # the whole test set: not a group
        record("GRU", "test BLEU, 1-5", 9.0),  # another metric
        record("GRU", "test chrF, 1-5", 99.0, dataset="E"),  # another dataset
        record("retrieval", "test chrF, 1-5", 28.0, epochs=None),
        record("ViT", "test chrF, 1-5", 10.0, epochs=1),
    ]
    assert chart_series(results, "D", "test chrF") == {
        "GRU, 3 epochs on CPU": {"1-5": 30.0, "6+": 20.0},
        "retrieval": {"1-5": 28.0},
        "ViT, 1 epoch on CPU": {"1-5": 10.0},
    }


def test_a_chart_draws_records_of_several_chapters(tmp_path):
    chart = (
        "\n```{results-chart}\n:dataset: D\n:metric: test chrF\n"
        ":xlabel: source length\n:caption: chrF by length.\n:name: fig-by-length\n```\n"
        "See {numref}`fig-by-length`.\n"
    )
    pages = {
        "intro": "Intro.\n",
        "ch/a": code_cell(
            BY_LENGTH.format(session=16, model="GRU", values=[("1-5", 30), ("6+", 20)])
        )
        + chart,
        "ch/b": code_cell(
            BY_LENGTH.format(session=17, model="attention", values=[("1-5", 35)])
        ),
    }
    result = build_book(tmp_path, pages)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (tmp_path / "_build" / "html" / "ch" / "a.html").read_text()
    assert 'id="fig-by-length"' in html and "chrF by length." in html
    assert "Fig. 1" in html  # the numbered reference resolved
    chart_png = tmp_path / "_build" / "results-charts" / "fig-by-length.png"
    assert chart_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "_build" / "html" / "_images" / "fig-by-length.png").exists()

    pages["ch/b"] = code_cell("print('no results')")
    pages["ch/a"] = "Text.\n" + chart
    result = build_book(tmp_path, pages)
    assert result.returncode != 0
    assert "no chapter recorded a 'test chrF' per group on 'D'" in (
        result.stdout + result.stderr
    )
