"""Check, or install, the Debian packages the build uses.

    python -m booktools.commands.system_deps check pdf browser vendor data
    python -m booktools.commands.system_deps ensure pdf browser vendor data

``check`` names every missing piece and the command that installs it, and exits
non-zero. ``ensure`` (what the Makefile runs) installs what is missing where it
can without asking anyone: as root, or through ``sudo`` when sudo needs no
password; elsewhere it stops like ``check``, with the one line to run. The
groups are :data:`booktools.system_packages.GROUPS`.
"""

import os
import shutil
import subprocess
import sys

from booktools.system_packages import GROUPS, install_command, missing

ACTIONS = ("check", "ensure")


def privilege() -> list[str] | None:
    """The prefix that runs a command as root without asking: [] as root,
    ["sudo", "-n"] where sudo needs no password, None otherwise."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") is None:
        return None
    quiet = subprocess.run(["sudo", "-n", "true"], capture_output=True)
    return ["sudo", "-n"] if quiet.returncode == 0 else None


def install(packages: list[str], prefix: list[str]) -> None:
    """apt-get update (a fresh machine has no package lists), then install."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*prefix, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*prefix, *install_command(packages)], check=True, env=env)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ACTIONS:
        print(__doc__, file=sys.stderr)
        print(f"groups: {', '.join(sorted(GROUPS))}", file=sys.stderr)
        return 2
    action, groups = argv[0], argv[1:] or sorted(GROUPS)
    absent = missing(groups)
    packages = sorted({package for _, package in absent})
    if absent and action == "ensure":
        prefix = privilege()
        if prefix is None:
            print(
                "installing system packages needs root (or sudo without a"
                " password); run as root or with sudo:",
                file=sys.stderr,
            )
        else:
            print(f"installing {' '.join(packages)}", file=sys.stderr)
            install(packages, prefix)
            absent = missing(groups)
    for thing, package in absent:
        print(f"missing: {thing} (Debian package {package})", file=sys.stderr)
    if absent:
        print(
            "install them with: sudo apt-get install " + " ".join(packages),
            file=sys.stderr,
        )
        return 1
    print(f"system packages for {', '.join(groups)}: all present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
