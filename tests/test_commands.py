"""The commands the Makefile runs (booktools.commands)."""

import dataclasses
import hashlib
import os
import stat
import tarfile

import pytest

from booktools import system_packages
from booktools.commands import system_deps, vendor


def fake_npm(tmp_path, monkeypatch, files):
    """An `npm` on PATH whose `npm pack` writes a tarball holding ``files``."""
    source = tmp_path / "npm-source"
    for name, content in files.items():
        path = source / "package" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    tarball = tmp_path / "fake.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(source / "package", arcname="package")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(f"#!/bin/sh\ncp {tarball} ./package-fake.tgz\n")
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return tarball


def test_vendor_refuses_a_tarball_with_the_wrong_checksum(tmp_path, monkeypatch):
    fake_npm(tmp_path, monkeypatch, {"es5/tex-mml-chtml.js": "fake"})
    dest = tmp_path / "vendor"
    with pytest.raises(vendor.VendorError, match=r"expected .* nothing was written"):
        vendor.fetch(vendor.MATHJAX, dest)
    assert list(dest.iterdir()) == []  # no half-unpacked folder left behind


def test_vendor_unpacks_a_verified_tarball_once(tmp_path, monkeypatch):
    tarball = fake_npm(tmp_path, monkeypatch, {"dist/reveal.js": "ok"})
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    asset = dataclasses.replace(vendor.REVEAL, sha256=digest)
    dest = tmp_path / "vendor"
    target = vendor.fetch(asset, dest)
    assert (target / "reveal.js").read_text() == "ok"
    assert sorted(p.name for p in dest.iterdir()) == ["reveal"]
    tarball.unlink()  # a second run must not need npm's tarball again
    assert vendor.fetch(asset, dest) == target


def test_vendor_without_npm_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(vendor.VendorError, match="apt-get install npm"):
        vendor.fetch(vendor.REVEAL, tmp_path / "vendor")


def test_system_deps_names_the_missing_packages(monkeypatch, capsys):
    monkeypatch.setattr(system_packages, "_present", lambda thing: thing != "chromium")
    assert system_deps.main(["check", "browser"]) == 1
    err = capsys.readouterr().err
    assert "missing: chromium (Debian package chromium)" in err
    assert "apt-get install chromium" in err
    monkeypatch.setattr(system_packages, "_present", lambda thing: True)
    assert system_deps.main(["check", "pdf", "browser"]) == 0


@pytest.fixture
def chromium_missing(monkeypatch):
    """A machine without Chromium, where an install puts it there."""
    state = {"installed": False}
    monkeypatch.setattr(
        system_packages,
        "_present",
        lambda thing: thing != "chromium" or state["installed"],
    )
    calls = []

    def install(packages, prefix):
        calls.append((packages, prefix))
        state["installed"] = True

    monkeypatch.setattr(system_deps, "install", install)
    return calls


@pytest.mark.parametrize("prefix", [[], ["sudo", "-n"]])
def test_ensure_installs_as_root_or_with_passwordless_sudo(
    chromium_missing, monkeypatch, prefix
):
    monkeypatch.setattr(system_deps, "privilege", lambda: prefix)
    assert system_deps.main(["ensure", "browser"]) == 0
    assert chromium_missing == [(["chromium"], prefix)]


def test_ensure_without_root_stops_with_the_command_to_run(
    chromium_missing, monkeypatch, capsys
):
    monkeypatch.setattr(system_deps, "privilege", lambda: None)
    assert system_deps.main(["ensure", "browser"]) == 1
    assert chromium_missing == []
    err = capsys.readouterr().err
    assert "needs root" in err
    assert err.strip().endswith("install them with: sudo apt-get install chromium")


def test_ensure_does_nothing_when_everything_is_there(monkeypatch):
    monkeypatch.setattr(system_packages, "_present", lambda thing: True)
    monkeypatch.setattr(system_deps, "privilege", lambda: pytest.fail("asked"))
    assert system_deps.main(["ensure", "pdf", "browser"]) == 0


def test_privilege_is_empty_as_root_and_none_without_sudo(monkeypatch, tmp_path):
    monkeypatch.setattr(system_deps.os, "geteuid", lambda: 0)
    assert system_deps.privilege() == []
    monkeypatch.setattr(system_deps.os, "geteuid", lambda: 1000)
    monkeypatch.setenv("PATH", str(tmp_path))  # no sudo on it
    assert system_deps.privilege() is None
