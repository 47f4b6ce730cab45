"""The declared Debian packages, and the audit that finds undeclared ones, on
fake dpkg listings (the real machine is audited by test_site_system_packages)."""

from pathlib import Path

import pytest

from booktools.system_packages import (
    GROUPS,
    Undeclared,
    _dpkg_alternatives,
    _package_names,
    audit,
    commands_run,
    dependency_closure,
    fls_inputs,
    install_command,
)

PZDR = "/usr/share/texlive/texmf-dist/fonts/tfm/adobe/zapfding/pzdr.tfm"
XELATEX = "/usr/bin/xelatex"
LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6"
NPM = "/usr/lib/node_modules/npm/bin/npm-cli.js"

# A small machine: texlive-xetex pulls in texlive-base and libc6, but not the
# fonts package that holds ZapfDingbats; nodejs provides npm.
OWNERS = {
    PZDR: "texlive-fonts-recommended",
    XELATEX: "texlive-binaries",
    LIBC: "libc6",
    NPM: "nodejs",
}
DEPENDS = {
    "texlive-xetex": {"texlive-binaries", "texlive-base"},
    "texlive-binaries": {"libc6"},
    "texlive-fonts-recommended": {"texlive-base"},
    "nodejs": {"libc6"},
}
PROVIDES = {"npm": {"nodejs"}}
USED = {"pdf": [PZDR, XELATEX, LIBC], "vendor": [NPM]}


DECLARED = {
    "pdf": [
        ("xelatex", "texlive-xetex"),
        ("tex:pzdr.tfm", "texlive-fonts-recommended"),
    ],
    "vendor": [("npm", "npm")],
}


def declared(*, without: str = "") -> dict:
    """The fake declaration, less one package."""
    return {
        group: [entry for entry in entries if entry[1] != without]
        for group, entries in DECLARED.items()
    }


def test_the_declared_packages_account_for_every_used_file():
    assert audit(USED, declared(), OWNERS, DEPENDS, PROVIDES) == []


def test_a_used_package_removed_from_the_declaration_fails_naming_the_fix():
    problems = audit(
        USED, declared(without="texlive-fonts-recommended"), OWNERS, DEPENDS, PROVIDES
    )
    assert problems == [Undeclared(PZDR, "texlive-fonts-recommended", "pdf")]
    message = str(problems[0])
    assert PZDR in message
    assert "texlive-fonts-recommended" in message
    assert "GROUPS['pdf']" in message and "booktools/system_packages.py" in message


def test_a_virtual_package_is_satisfied_by_its_installed_provider():
    # npm is declared, nodejs is what is installed: its files are accounted for,
    # and so are nodejs's own dependencies.
    assert audit({"vendor": [NPM, LIBC]}, declared(), OWNERS, DEPENDS, PROVIDES) == []
    assert audit({"vendor": [NPM]}, declared(), OWNERS, DEPENDS, provides={}) == [
        Undeclared(NPM, "nodejs", "vendor")
    ]


def test_the_base_system_needs_no_declaration():
    owners = {"/usr/bin/tar": "tar"}
    used = {"data": ["/usr/bin/tar"]}
    assert audit(used, declared(), owners, DEPENDS, PROVIDES) == [
        Undeclared("/usr/bin/tar", "tar", "data")
    ]
    assert audit(used, declared(), owners, DEPENDS, PROVIDES, base=["tar"]) == []


def test_hand_installed_files_fail_and_generated_ones_pass():
    owners = {"/usr/local/bin/node": None, "/var/lib/texmf/web2c/xelatex.fmt": None}
    used = {
        "vendor": ["/usr/local/bin/node"],
        "pdf": ["/var/lib/texmf/web2c/xelatex.fmt"],
    }
    problems = audit(used, declared(), owners, DEPENDS, PROVIDES)
    assert problems == [Undeclared("/usr/local/bin/node", None, "vendor")]
    assert "installed by hand" in str(problems[0])


def test_dependency_closure_follows_dependencies_and_providers():
    assert dependency_closure(["texlive-xetex"], DEPENDS, PROVIDES) == {
        "texlive-xetex",
        "texlive-binaries",
        "texlive-base",
        "libc6",
    }
    assert dependency_closure(["npm"], DEPENDS, PROVIDES) == {"npm", "nodejs", "libc6"}


def test_dependency_fields_are_read_with_versions_alternatives_and_arches():
    field = "libc6 (>= 2.34), perl:any, default-mta | mail-transport-agent"
    assert _package_names(field) == {
        "libc6",
        "perl",
        "default-mta",
        "mail-transport-agent",
    }
    assert _package_names("") == set()


def test_merged_usr_paths_are_tried_in_both_forms():
    assert "/lib/x86_64-linux-gnu/libc.so.6" in _dpkg_alternatives(LIBC)
    assert "/usr/bin/sh" in _dpkg_alternatives("/bin/sh")


def test_the_programs_a_module_runs_are_found_in_its_source(tmp_path):
    module = tmp_path / "fetch.py"
    module.write_text(
        "import subprocess\n"
        "subprocess.run(['apt-get', 'download', name], check=True)\n"
        "_run(('xz', '-d', path), cwd)\n"
        "print(['not', 'a', 'call'][0])\n"
        "f(['x' + y])\n"
    )
    assert commands_run(module) == {"apt-get", "xz"}


def test_the_data_and_vendor_commands_are_declared():
    root = Path(__file__).resolve().parents[1]
    data = commands_run(root / "code" / "dlbook" / "data.py")
    vendor = commands_run(root / "tools" / "booktools" / "commands" / "vendor.py")
    assert data == {"apt-get", "dpkg-deb", "npm"}
    assert {thing for thing, _ in GROUPS["data"]} >= data
    assert {thing for thing, _ in GROUPS["vendor"]} >= vendor


def test_fls_inputs_keep_absolute_inputs_only(tmp_path):
    fls = tmp_path / "book.fls"
    fls.write_text(
        "PWD /build/latex\n"
        f"INPUT {PZDR}\n"
        "INPUT ./book.aux\n"
        "OUTPUT book.pdf\n"
        "INPUT /usr/share/texmf/../texlive/texmf-dist/tex/latex/base/book.cls\n"
    )
    assert fls_inputs(fls) == {
        PZDR,
        "/usr/share/texlive/texmf-dist/tex/latex/base/book.cls",
    }


def test_the_install_command_is_one_apt_get_line():
    assert install_command(["b", "a", "b"]) == [
        "apt-get",
        "install",
        "-y",
        "-qq",
        "--no-install-recommends",
        "a",
        "b",
    ]


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_group_names_debian_packages(group):
    for thing, package in GROUPS[group]:
        assert thing and package and " " not in package
