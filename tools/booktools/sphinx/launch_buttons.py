"""Sphinx extension: launch and download buttons that point at what works.

The theme's own launch buttons point Colab at the chapter's MyST ``.md`` file,
which Colab cannot open. Ours point at the clean notebooks that
``python -m booktools.commands.notebooks`` publishes with the site (the
``gh-pages`` branch, which Colab and Binder both read from GitHub), and every
page links the book's PDF.
The repository is ``repository.url`` in ``_config.yml``; nothing else names it.
"""

from pathlib import Path

from booktools.book import (
    STUDENT_FOLDER,
    Site,
    code_chapters,
    load_site,
    offline_pack_name,
    pdf_name,
    student_pdf_name,
)


def add_buttons(app, pagename, templatename, context, doctree):
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    pathto = context["pathto"]
    student = app.config.dlbook_student
    downloads = [
        {
            "type": "link",
            "text": "Book (PDF)",
            "tooltip": "Download the whole book as a PDF",
            "icon": "fas fa-file-pdf",
            "url": pathto(app.dlbook_pdf, 1),
            "label": "download-book-pdf-button",
        },
    ]
    if not student:
        # The archive holds the solutions; the student edition leaves it out.
        downloads += [
            {
                "type": "link",
                "text": "Whole site (.zip)",
                "tooltip": "Download the site, the notebooks and the PDF to read"
                " offline",
                "icon": "fas fa-file-archive",
                "url": pathto(app.dlbook_offline_pack, 1),
                "label": "download-offline-pack-button",
            },
            {
                "type": "link",
                "text": "Student edition",
                "tooltip": "This page in the edition without exercise solutions",
                "icon": "fas fa-user-graduate",
                "url": pathto(f"{STUDENT_FOLDER}{pagename}.html", 1),
                "label": "student-edition-button",
            },
        ]
    if pagename in app.dlbook_chapters:
        site: Site = app.dlbook_site
        notebook = site.notebook_path(pagename)
        downloads[:0] = [
            {
                "type": "link",
                "text": "Notebook (.ipynb)",
                "tooltip": "Download this chapter as a notebook without outputs",
                "icon": "fas fa-code",
                "url": pathto(notebook, 1),
                "label": "download-notebook-button",
            },
            {
                "type": "link",
                "text": "Chapter (PDF)",
                "tooltip": "Download this chapter as a PDF",
                "icon": "fas fa-file-pdf",
                "url": pathto(site.chapter_pdf_path(pagename), 1),
                "label": "download-chapter-pdf-button",
            },
        ]
        if not student:
            downloads.insert(
                2,
                {
                    "type": "link",
                    "text": "Slides",
                    "tooltip": "This chapter's lecture slides",
                    "icon": "fas fa-person-chalkboard",
                    "url": pathto(site.slides_path(pagename), 1),
                    "label": "slides-button",
                },
            )
        buttons.append(
            {
                "type": "group",
                "tooltip": "Run this chapter",
                "icon": "fas fa-rocket",
                "label": "launch-buttons",
                "buttons": [
                    {
                        "type": "link",
                        "text": "Colab",
                        "tooltip": "Open this chapter's notebook in Colab",
                        "icon": "_static/images/logo_colab.png",
                        "url": site.colab(pagename),
                        "label": "launch-colab-button",
                    },
                    {
                        "type": "link",
                        "text": "Binder",
                        "tooltip": "Launch this chapter's notebook on Binder",
                        "icon": "_static/images/logo_binder.svg",
                        "url": site.binder(pagename),
                        "label": "launch-binder-button",
                    },
                ],
            }
        )
    # Into the theme's download menu (page source, print to PDF), if it has one.
    menu = next((b for b in buttons if b.get("label") == "download-buttons"), None)
    if menu is not None:
        menu["buttons"] = [*downloads, *menu["buttons"]]
    else:
        buttons.append(
            {
                "type": "group",
                "tooltip": "Download",
                "icon": "fas fa-download",
                "label": "download-buttons",
                "buttons": downloads,
            }
        )


def remember_site(app):
    root = Path(app.srcdir)
    student = app.config.dlbook_student
    app.dlbook_site = load_site(root, student)
    app.dlbook_chapters = set(code_chapters(root))
    app.dlbook_pdf = student_pdf_name(root) if student else pdf_name(root)
    app.dlbook_offline_pack = offline_pack_name(root)


def setup(app):
    app.connect("builder-inited", remember_site)
    app.connect("html-page-context", add_buttons, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
