"""``python -m tokenward``: the tokenward command (decode, verify, jwks,
issuer), run by the native module on this process's standard output and
error. Installed as the ``tokenward`` script too."""

from __future__ import annotations

import signal
import sys

from . import _native


def main() -> int:
    # The native command has the terminal: Ctrl-C ends it (and `issuer`) at once.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    return _native._cli(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
