"""What the Makefile runs, each as ``python -m booktools.commands.<name>``:
``build`` (the HTML book), ``pdf``, ``notebooks``, ``vendor``, ``preview``,
``gpu_records`` and ``system_deps``."""
