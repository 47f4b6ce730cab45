"""Shared code of the deep-learning textbook.

Only what two or more chapters reuse lives here. Importing the package has no side
effects: no seeding, no plot styling, no downloads. Chapters call
:func:`dlbook.seeding.seed_everything` and :func:`dlbook.plotting.use_book_style`
explicitly in their first cell.
"""

__version__ = "0.1.0"
