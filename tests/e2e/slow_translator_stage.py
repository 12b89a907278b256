#!/usr/bin/python3
"""An extra stage for apertium's null-flush pipeline that delays every request: it copies stdin to
stdout one NUL-terminated request at a time and, before each, sleeps the number of seconds
written in a control file (0, missing or unreadable: no delay). The rollback drill appends it to
a copy of the eng-spa mode file, so the server runs the real translator, slowed on demand.

Usage (as apertium-wblank-mode writes it): slow_translator_stage.py [-z] CONTROL_FILE"""

import os
import sys
import time


def delay(control):
    try:
        with open(control) as f:
            return max(0.0, float(f.read().strip() or 0))
    except (OSError, ValueError):
        return 0.0


def main():
    args = [a for a in sys.argv[1:] if a != "-z"]  # apertium-wblank-mode adds -z to every stage
    if len(args) != 1:
        sys.stderr.write("usage: slow_translator_stage.py [-z] CONTROL_FILE\n")
        return 2
    pending = b""
    while True:
        data = os.read(0, 65536)
        if not data:
            break
        pending += data
        while b"\0" in pending:
            request, pending = pending.split(b"\0", 1)
            seconds = delay(args[0])
            if seconds:
                time.sleep(seconds)
            os.write(1, request + b"\0")
    if pending:
        os.write(1, pending)
    return 0


if __name__ == "__main__":
    sys.exit(main())
