"""Check (or, as root, install) the Debian packages the build uses.

    python -m booktools.commands.system_deps check pdf browser vendor data
    python -m booktools.commands.system_deps install pdf browser vendor data  # root

``check`` names every missing piece and the command that installs it, and exits
non-zero. The groups are :data:`booktools.system_packages.GROUPS`.
"""

import os
import subprocess
import sys

from booktools.system_packages import GROUPS, install_command, missing


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("check", "install"):
        print(__doc__, file=sys.stderr)
        print(f"groups: {', '.join(sorted(GROUPS))}", file=sys.stderr)
        return 2
    action, groups = argv[0], argv[1:] or sorted(GROUPS)
    absent = missing(groups)
    packages = sorted({package for _, package in absent})
    if absent and action == "install":
        if os.geteuid() != 0:
            print(
                "installing system packages needs root: run as root or use sudo",
                file=sys.stderr,
            )
            return 1
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(install_command(packages), check=True, env=env)
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
