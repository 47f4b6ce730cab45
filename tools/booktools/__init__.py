"""The book's build tools, installed beside ``dlbook`` by ``make setup``.

- :mod:`booktools.book`: the book's facts (where it lives, its chapters, its
  site, the strict flags), read from ``_config.yml`` and ``_toc.yml``;
- :mod:`booktools.fingerprint`, :mod:`booktools.records`,
  :mod:`booktools.conversion`, :mod:`booktools.system_packages`: libraries;
- :mod:`booktools.sphinx`: the Sphinx extension (one entry in ``_config.yml``);
- :mod:`booktools.commands`: what the Makefile runs, each as ``python -m``.

Imports point one way: commands and the extension use the libraries, which use
:mod:`booktools.book`; nothing imports a command or the extension.
"""
