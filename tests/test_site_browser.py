"""The built site in Debian's headless Chromium, with every host but this one
unreachable: pages must load with no console error and no failed request, math
must be typeset by the site's own MathJax, search must work, and the launch and
download buttons must point where they should."""

import hashlib
import json
import posixpath
import re
import subprocess
import tarfile
import zipfile
from urllib.parse import urljoin

import pytest

from booktools.book import (
    ROOT,
    Site,
    code_chapters,
    current_commit,
    load_site,
    offline_pack_name,
    pdf_name,
    toc_pages,
)
from site_paths import SITE, built, chapter_title

pytestmark = pytest.mark.site

SCREENSHOTS = ROOT / "_build" / "screenshots"


def wait_for(driver, script: str, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script))


def failed_requests(driver) -> list[str]:
    failures, urls = [], {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFailed":
            url = urls.get(params["requestId"], "?")
            failures.append(f"{url}: {params.get('errorText')}")
        elif message["method"] == "Network.responseReceived":
            status = params["response"]["status"]
            if status >= 400:
                failures.append(f"{params['response']['url']}: HTTP {status}")
    return failures


def page_url(server: str, docname: str) -> str:
    return urljoin(server, "index.html" if docname == "index" else f"{docname}.html")


def test_every_page_loads_offline_without_errors_and_typesets_its_math(browser, server):
    problems = {}
    pages = [*toc_pages(), "search", "genindex"]
    for docname in pages:
        browser.get_log("browser"), browser.get_log("performance")  # drain
        browser.get(page_url(server, docname))
        wait_for(browser, "return document.readyState === 'complete'")
        if browser.execute_script(
            "return document.querySelector('.math, span.math, div.math') !== null"
        ):
            # MathJax replaces the TeX of every formula by an mjx-container.
            wait_for(
                browser,
                "return document.querySelectorAll('mjx-container').length > 0"
                " && !document.querySelector('.math:not(:has(mjx-container))')",
            )
        errors = [
            e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"
        ]
        unlabelled = browser.execute_script(
            "return [...document.querySelectorAll('article img')]"
            ".filter(i => !i.alt || i.alt.endsWith('.png')).map(i => i.src)"
        )
        found = errors + failed_requests(browser) + [f"no alt: {u}" for u in unlabelled]
        if found:
            problems[docname] = found
    assert problems == {}
    print(f"{len(pages)} pages loaded without errors")


def test_the_sidebar_lists_every_chapter(browser, server):
    browser.get(page_url(server, toc_pages()[0]))
    sidebar = browser.execute_script(
        "return document.querySelector('.bd-sidebar-primary').innerText"
    )
    missing = [
        title for title in map(chapter_title, toc_pages()[1:]) if title not in sidebar
    ]
    assert missing == []


def test_search_finds_a_term(browser, server):
    browser.get(urljoin(server, "search.html?q=backpropagation"))
    count = wait_for(
        browser,
        "const r = document.querySelectorAll('#search-results li');"
        " return r.length > 0 ? r.length : false",
    )
    assert count >= 2


def test_launch_and_download_buttons_point_where_they_should(browser, server):
    site = load_site()
    docname = code_chapters()[1]
    browser.get(page_url(server, docname))
    links = browser.execute_script(
        "const get = c => document.querySelector('a.btn-' + c)?.href;"
        " return {colab: get('launch-colab-button'),"
        " binder: get('launch-binder-button'),"
        " notebook: get('download-notebook-button'),"
        " pdf: get('download-book-pdf-button')}"
    )
    assert links["colab"] == site.colab(docname)
    assert links["binder"] == site.binder(docname)
    assert links["notebook"] == urljoin(server, site.notebook_path(docname))
    assert links["pdf"] == urljoin(server, pdf_name())
    # The files they name are in the site.
    assert built(SITE / site.notebook_path(docname)).is_file()
    assert built(SITE / pdf_name()).is_file()


def test_screenshots_in_light_and_dark_mode(browser, server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    docname = code_chapters()[1]
    for mode in ("light", "dark"):
        browser.get(page_url(server, docname))
        browser.execute_script(
            f"localStorage.setItem('mode', '{mode}');"
            f" localStorage.setItem('theme', '{mode}');"
        )
        browser.refresh()
        wait_for(browser, f"return document.documentElement.dataset.theme === '{mode}'")
        path = SCREENSHOTS / f"{docname.rsplit('/', 1)[-1]}-{mode}.png"
        assert browser.save_screenshot(str(path))
        assert path.stat().st_size > 10_000


def test_the_offline_pack_opens_from_disk_with_pages_search_and_math(browser, tmp_path):
    pack = built(SITE / offline_pack_name())
    with zipfile.ZipFile(pack) as archive:
        names = archive.namelist()
        folder = names[0].split("/")[0]
        assert f"{folder}/{pdf_name()}" in names
        assert f"{folder}/{load_site().notebook_path(code_chapters()[0])}" in names
        archive.extractall(tmp_path)
    root = (tmp_path / folder).as_uri() + "/"
    browser.get_log("browser")  # drain
    browser.get(root + "book/neural-networks/logistic-regression.html")
    wait_for(browser, "return document.readyState === 'complete'")
    wait_for(
        browser,
        "return document.querySelectorAll('mjx-container').length > 0"
        " && !document.querySelector('.math:not(:has(mjx-container))')",
    )
    errors = [
        e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"
    ]
    assert errors == []
    browser.get(root + "search.html?q=backpropagation")
    count = wait_for(
        browser,
        "const r = document.querySelectorAll('#search-results li');"
        " return r.length > 0 ? r.length : false",
    )
    assert count >= 2


def test_every_page_carries_the_edition_stamp():
    commit = current_commit()[:12]
    for docname in toc_pages():
        page = built(SITE / f"{docname}.html").read_text()
        assert re.search(
            rf"Edition <a href=\"[^\"]+/commit/{commit}\w*\">{commit}", page
        )


def test_the_execution_report_lists_every_chapter_and_each_has_its_badge():
    report = built(SITE / "book" / "back-matter" / "execution-report.html").read_text()
    for docname in code_chapters():
        link = posixpath.relpath(docname, "book/back-matter") + ".html"
        assert f'href="{link}"' in report, docname
        page = built(SITE / f"{docname}.html").read_text()
        badge = re.search(r'class="dlbook-execution-badge">([^<]*)<', page)
        assert badge, docname
        assert badge.group(1).startswith("Course session"), badge.group(1)


# axe-core, the accessibility engine, pinned and checked like the site's MathJax;
# fetched for the test only (it is not part of the site).
AXE_PACKAGE = "axe-core@4.14.1"
AXE_SHA256 = "e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745"


@pytest.fixture(scope="module")
def axe_source(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("axe")
    packed = subprocess.run(
        ["npm", "pack", "--silent", AXE_PACKAGE],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert packed.returncode == 0, packed.stderr
    (tarball,) = folder.glob("*.tgz")
    assert hashlib.sha256(tarball.read_bytes()).hexdigest() == AXE_SHA256
    with tarfile.open(tarball) as archive:
        return archive.extractfile("package/axe.min.js").read().decode()


def set_mode(browser, mode: str) -> None:
    browser.execute_script(
        f"localStorage.setItem('mode', '{mode}');"
        f" localStorage.setItem('theme', '{mode}');"
    )
    browser.refresh()
    wait_for(browser, f"return document.documentElement.dataset.theme === '{mode}'")


def test_no_page_has_a_serious_accessibility_violation(browser, server, axe_source):
    problems = {}
    decks = [Site.slides_path(d).removesuffix(".html") for d in code_chapters()]
    student = f"student/{code_chapters()[0]}"
    for docname in [*toc_pages(), "search", "genindex", *decks, student]:
        browser.get(page_url(server, docname))
        for mode in ("light", "dark"):
            set_mode(browser, mode)
            browser.execute_script(axe_source)
            found = browser.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                " axe.run(document, {resultTypes: ['violations']}).then(r => done("
                " r.violations.filter(v => ['serious', 'critical'].includes(v.impact))"
                " .map(v => v.id + ': ' + v.nodes.slice(0, 3)"
                " .map(n => n.target.join(' ')).join(', '))))"
            )
            if found:
                problems[f"{docname} ({mode})"] = found
    assert problems == {}


def test_figures_are_opaque_so_they_read_in_the_dark_theme():
    from PIL import Image

    images = sorted(built(SITE / "_images").glob("*.png"))
    assert len(images) > 50
    transparent = []
    for path in images:
        with Image.open(path) as image:
            rgba = image.convert("RGBA")
            w, h = rgba.size
            corners = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)]
            if any(rgba.getpixel(c)[3] < 255 for c in corners):
                transparent.append(path.name)
    assert transparent == []


# The editions a lecturer teaches from: decks and quizzes ----------------------


def test_every_deck_pages_through_with_its_math_and_images(browser, server):
    problems = {}
    for docname in code_chapters():
        browser.get_log("browser"), browser.get_log("performance")  # drain
        browser.get(urljoin(server, Site.slides_path(docname)))
        wait_for(browser, "return window.Reveal !== undefined && Reveal.isReady()")
        wait_for(
            browser,
            "return document.querySelectorAll('mjx-container').length > 0"
            " && !document.querySelector('.math:not(:has(mjx-container))')",
        )
        total = browser.execute_script("return Reveal.getTotalSlides()")
        titles = []
        for index in range(total):
            browser.execute_script(f"Reveal.slide({index})")
            titles.append(
                browser.execute_script(
                    "return Reveal.getCurrentSlide().querySelector('h1, h2').innerText"
                )
            )
        broken = browser.execute_script(
            "return [...document.images]"
            ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        errors = [
            e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"
        ]
        found = errors + failed_requests(browser) + [f"not loaded: {u}" for u in broken]
        if chapter_title(docname) not in titles[0]:
            found.append(f"title slide says {titles[0]!r}")
        for expected in ("What you will learn", "Summary"):
            if not any(t.startswith(expected) for t in titles):
                found.append(f"no {expected!r} slide")
        if total < 8:
            found.append(f"only {total} slides")
        if found:
            problems[docname] = found
    assert problems == {}


def test_every_quiz_checks_replies_with_the_answers_of_its_source(browser, server):
    from booktools.quizzes import chapter_quizzes

    problems = {}
    for docname in code_chapters():
        (questions,) = chapter_quizzes((ROOT / f"{docname}.md").read_text())
        browser.get(page_url(server, docname))
        wait_for(browser, "return document.readyState === 'complete'")
        # A wrong reply, then the right one, for every question of the page.
        replies = browser.execute_script(
            """
            const out = [];
            for (const q of document.querySelectorAll('.dlbook-quiz-question')) {
              const check = q.querySelector('.dlbook-quiz-check');
              const said = () => q.querySelector('.dlbook-quiz-feedback').textContent;
              const answer = q.dataset.answer;
              let wrong;
              if (q.dataset.kind === 'choice') {
                const options = q.querySelectorAll('input[type=radio]');
                options[(Number(answer) + 1) % options.length].click();
                check.click(); wrong = said();
                options[Number(answer)].click();
              } else {
                const box = q.querySelector('input[type=text]');
                box.value = String(Number(answer) + 1 + Number(q.dataset.tolerance));
                check.click(); wrong = said();
                box.value = answer;
              }
              check.click();
              out.push({answer: answer, wrong: wrong, right: said(),
                explained: !q.querySelector('.dlbook-quiz-explanation').hidden});
            }
            return out;
            """
        )
        expected = [q.answer if q.numeric else str(q.correct[0]) for q in questions]
        if len(replies) != len(questions):
            problems[docname] = [f"{len(replies)} questions, not {len(questions)}"]
            continue
        found = []
        for number, (reply, answer) in enumerate(
            zip(replies, expected, strict=True), 1
        ):
            shown = (
                float(reply["answer"]) if isinstance(answer, float) else reply["answer"]
            )
            if shown != answer:
                found.append(f"question {number}: the page's answer is {shown}")
            if not (
                reply["wrong"].startswith("Not quite")
                and reply["right"] == "Correct."
                and reply["explained"]
            ):
                found.append(f"question {number}: {reply}")
        if found:
            problems[docname] = found
    assert problems == {}


def test_screenshots_of_a_deck_and_a_quiz_in_light_and_dark_mode(browser, server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    docname = "book/convnets/convolutions"
    name = docname.rsplit("/", 1)[-1]
    for mode in ("light", "dark"):
        browser.get(page_url(server, docname))
        set_mode(browser, mode)
        # A slide with a figure beside its bullets.
        browser.get(urljoin(server, Site.slides_path(docname)))
        wait_for(browser, "return window.Reveal !== undefined && Reveal.isReady()")
        index = browser.execute_script(
            "return Reveal.getSlides().findIndex("
            "s => s.querySelector('.two-columns img'))"
        )
        assert index > 0
        browser.execute_script(f"Reveal.slide({index})")
        wait_for(
            browser, "return document.querySelectorAll('mjx-container').length > 0"
        )
        theme = browser.execute_script("return document.documentElement.dataset.theme")
        assert theme == mode
        deck = SCREENSHOTS / f"{name}-slides-{mode}.png"
        assert browser.save_screenshot(str(deck))
        # The quiz, with the first question answered.
        browser.get(page_url(server, docname) + f"#sec-{name}-self-check")
        wait_for(browser, "return document.readyState === 'complete'")
        browser.execute_script(
            "const q = document.querySelector('.dlbook-quiz-question');"
            " q.querySelectorAll('input')[Number(q.dataset.answer)].click();"
            " q.querySelector('.dlbook-quiz-check').click(); q.scrollIntoView();"
        )
        quiz = SCREENSHOTS / f"{name}-quiz-{mode}.png"
        assert browser.save_screenshot(str(quiz))
        for shot in (deck, quiz):
            assert shot.stat().st_size > 10_000
