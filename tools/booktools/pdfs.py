"""The book's PDFs: what makes one unfit to publish, and a PDF per chapter.

:func:`log_problems` reads a LaTeX log for a glyph missing from the fonts or an
unresolved reference. :func:`publish` puts a checked book PDF into the site and
cuts it into chapters (:func:`write_chapter_pdfs`). A chapter's PDF holds its
pages as the book prints them (same numbers, same figures, references resolved
by the whole book's LaTeX run) and the bibliography at its end, so every
citation in it can be looked up. Chapter boundaries come from the PDF's outline
(its bookmarks), whose top-level entries are the chapters; a chapter's trailing
blank page (chapters start on a right-hand page) is left out.
"""

import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from booktools.book import BookError, Site, code_chapters, write_atomic

_MISSING_GLYPH = re.compile(r"Missing character: There is no (.+?) in font (.+?)!")
_UNDEFINED = re.compile(r"LaTeX Warning: (Reference|Citation) `([^']+)' .*undefined")
# A page with less text than this (the running head and page number) is blank.
BLANK_PAGE_CHARS = 200


def normalised(title: str) -> str:
    """A title as letters and digits only, to match the outline's typography
    (curly quotes, dashes, dropped markup) against the chapter source's."""
    return re.sub(r"[^a-z0-9]", "", title.lower())


def chapter_titles(root: Path) -> dict[str, str]:
    """Chapter docname -> its title, from the ``# `` heading of its source."""
    titles = {}
    for docname in code_chapters(root):
        source = (root / f"{docname}.md").read_text()
        heading = re.search(r"^# (.+)$", source, flags=re.M)
        titles[docname] = re.sub(r"[`*{}]|\{\w+\}", "", heading.group(1)).strip()
    return titles


def outline_starts(reader) -> list[tuple[str, int]]:
    """(title, first page index) of the outline's top-level entries."""
    return [
        (item.title, reader.get_destination_page_number(item))
        for item in reader.outline
        if not isinstance(item, list)
    ]


def chapter_ranges(reader, titles: dict[str, str]) -> dict[str, range]:
    """Chapter docname -> the page indices it covers in the book."""
    starts = outline_starts(reader)
    found = {}
    for docname, title in titles.items():
        key = normalised(title)
        matches = [i for i, (name, _) in enumerate(starts) if normalised(name) == key]
        if len(matches) != 1:
            raise BookError(
                f"the PDF's outline has {len(matches)} top-level entries titled"
                f" {title!r} ({docname}); expected one"
            )
        (i,) = matches
        first = starts[i][1]
        last = starts[i + 1][1] if i + 1 < len(starts) else len(reader.pages)
        while last - 1 > first and (
            len((reader.pages[last - 1].extract_text() or "").strip())
            < BLANK_PAGE_CHARS
        ):
            last -= 1
        found[docname] = range(first, last)
    return found


def bibliography_range(reader) -> range:
    """The printed bibliography: from the last top-level "Bibliography" entry
    to the end of the book."""
    starts = [page for title, page in outline_starts(reader) if title == "Bibliography"]
    if not starts:
        raise BookError("the PDF's outline has no Bibliography entry")
    return range(starts[-1], len(reader.pages))


def write_chapter_pdfs(book_pdf: Path, site: Path, root: Path) -> dict[str, Path]:
    """Write every chapter's PDF where the site publishes it
    (:meth:`Site.chapter_pdf_path`); returns them by docname."""
    reader = PdfReader(book_pdf)
    titles = chapter_titles(root)
    ranges = chapter_ranges(reader, titles)
    bibliography = bibliography_range(reader)
    written = {}
    for docname, pages in ranges.items():
        writer = PdfWriter()
        writer.append(reader, pages=list(pages), import_outline=False)
        writer.append(reader, pages=list(bibliography), import_outline=False)
        writer.add_metadata({"/Title": titles[docname]})
        buffer = BytesIO()
        writer.write(buffer)
        target = site / Site.chapter_pdf_path(docname)
        write_atomic(target, buffer.getvalue())
        written[docname] = target
    return written


def log_problems(log: str) -> list[str]:
    """What in a LaTeX log makes the PDF unfit to publish."""
    problems = []
    glyphs = sorted(set(_MISSING_GLYPH.findall(log)))
    problems += [f"no glyph for {char} in font {font}" for char, font in glyphs]
    undefined = sorted(set(_UNDEFINED.findall(log)))
    problems += [f"undefined {kind.lower()} {name}" for kind, name in undefined]
    return problems


def check_log(pdf: Path) -> list[str]:
    """What the LaTeX log beside ``pdf`` reports that makes it unfit."""
    return log_problems(pdf.with_suffix(".log").read_text(errors="replace"))


def publish(pdf: Path, site: Path, root: Path) -> str:
    """Copy a checked book PDF into ``site`` and cut it into chapters there;
    returns a line saying what was written."""
    site.mkdir(parents=True, exist_ok=True)
    shutil.copy2(pdf, site / pdf.name)
    chapters = write_chapter_pdfs(pdf, site, root)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
    pages = re.search(r"^Pages:\s+(\d+)", info.stdout, flags=re.M)
    return (
        f"{pdf.name}, {pages.group(1) if pages else '?'} pages,"
        f" and {len(chapters)} chapter PDFs"
    )
