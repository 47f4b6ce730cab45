"""GPU chapters as published: each page says which configuration it shows (its
GPU record or the CPU preview) and states the conclusions of that
configuration only, so a preview never carries the full run's."""

import re

import pytest
from bs4 import BeautifulSoup

from booktools.book import ROOT, gpu_chapters
from site_paths import SITE, built

pytestmark = pytest.mark.site

_BLOCK = re.compile(r"^:::\{(full|preview)-run\}\n(.*?)^:::$", flags=re.M | re.S)
# Markup whose rendering differs from its source: roles, math, emphasis.
_MARKUP = re.compile(r"\{[\w:-]+\}`[^`]*`|`[^`]*`|\$[^$]*\$|[*_()]")


def phrase(body: str) -> str:
    """The longest stretch of plain words in ``body``, as the page renders it."""
    stretches = (" ".join(s.split()) for s in _MARKUP.split(body))
    return max(stretches, key=len)


def page_text(docname: str) -> str:
    html = built(SITE / f"{docname}.html").read_text()
    text = BeautifulSoup(html, "html.parser").get_text()
    # Sphinx typesets straight quotes as curly ones.
    curly = str.maketrans(
        dict.fromkeys("\u2018\u2019", "'") | dict.fromkeys("\u201c\u201d", '"')
    )
    return " ".join(text.translate(curly).split())


@pytest.mark.parametrize("docname", gpu_chapters(ROOT))
def test_a_gpu_page_states_the_conclusions_of_the_run_it_shows_only(docname):
    text = page_text(docname)
    recorded, preview = "Outputs recorded on" in text, "CPU preview." in text
    assert recorded != preview, f"{docname} must say which configuration it shows"
    shows = "full" if recorded else "preview"
    source = (ROOT / f"{docname}.md").read_text()
    for run, body in _BLOCK.findall(source):
        words = phrase(body)
        assert len(words.split()) >= 5, f"too little plain text to find: {body!r}"
        assert (words in text) == (run == shows), (
            f"{docname} shows the {shows} configuration, so its {{{run}-run}} block"
            f" must be {'kept' if run == shows else 'dropped'}: {words!r}"
        )
