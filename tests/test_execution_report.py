"""The execution report and each chapter's badge, and the edition stamp, on a
throw-away book (booktools.sphinx.execution_report, booktools.sphinx.edition)."""

import re

from booktools.sphinx.edition import stamp_text
from booktools.sphinx.execution_report import badge_text
from tiny_book import build_book, code_cell

REPORT = "```{execution-report}\n```\n"


def test_the_report_and_the_badges_say_how_each_chapter_ran(tmp_path):
    pages = {
        "intro": "Intro.\n",
        "ch/a": code_cell("print(6 * 7)"),
        "ch/b": code_cell("print('b')"),
        "report": REPORT,
    }
    result = build_book(tmp_path, pages)
    assert result.returncode == 0, result.stdout + result.stderr
    html = tmp_path / "_build" / "html"
    report = (html / "report.html").read_text()
    rows = re.findall(r"<tr class=\"row-(?:odd|even)\">(.*?)</tr>", report, flags=re.S)
    assert len(rows) == 3  # the header, ch/a, ch/b; not the pages without code
    assert "executed here" in rows[1] and "core CPU" in rows[1]
    badge = (html / "ch" / "a.html").read_text()
    assert re.search(r"Executed in \d+ s on a \d+-core CPU", badge)
    # Taken from the cache by the next build, a chapter keeps its facts.
    (tmp_path / "ch" / "a.md").write_text(
        (tmp_path / "ch" / "a.md").read_text() + "\nMore prose.\n"
    )
    again = build_book(tmp_path, pages)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Executing notebook" not in again.stdout  # from the cache
    badge = (html / "ch" / "a.html").read_text()
    assert re.search(r"Executed in \d+ s on a \d+-core CPU", badge)


def test_badges_for_a_record_and_for_an_unknown_machine():
    record = {
        "how": "recorded",
        "hardware": "NVIDIA H100",
        "seconds": 286.2,
        "torch": "2.11.0",
        "date": "2026-11-27",
    }
    assert badge_text(record) == (
        "Outputs recorded on NVIDIA H100 in 286 s, torch 2.11.0, 2026-11-27."
    )
    preview = {"seconds": 150.4, "hardware": "2-core CPU"}
    assert badge_text(record | {"preview": preview}).endswith(
        "Its reduced CPU configuration runs in 150 s on a 2-core CPU."
    )
    earlier = {
        "how": "executed",
        "seconds": 9.6,
        "hardware": None,
        "date": "2026-12-01",
    }
    assert badge_text(earlier) == "Executed in 10 s by an earlier build, 2026-12-01."


def test_the_edition_stamp_names_the_commit_and_the_day():
    info = {"commit": "0123456789abcdef" * 2 + "01234567", "dirty": False}
    assert stamp_text(info | {"date": "2026-12-02"}) == (
        "Edition 0123456789ab, built 2026-12-02"
    )
    assert "with local changes" in stamp_text(info | {"dirty": True, "date": "x"})
    assert stamp_text({"commit": None, "dirty": False, "date": "x"}).startswith(
        "Edition an uncommitted copy"
    )
