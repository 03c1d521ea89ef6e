#!/usr/bin/env python3
"""Time from process start to a given text on screen, in a tmux pane, for any command.

    first-screen.py RUNS WIDTH HEIGHT NEEDLE COMMAND...

Each run starts COMMAND in a new pane of a private tmux server (started once, so its start-up is not
counted) and polls `capture-pane` until NEEDLE is on screen. Prints the run times in seconds, one per
line. The poll costs a few milliseconds per look; every command measured pays it alike, so compare
commands measured in the same run.
"""
import shlex
import subprocess
import sys
import time

runs, width, height, needle = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
command = " ".join(shlex.quote(a) for a in sys.argv[5:])
socket = "completion-tui-first-screen"


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, check=check)


tmux("kill-server", check=False)
tmux("new-session", "-d", "-s", "keep", "-x", width, "-y", height, "sleep 3600")
try:
    for _ in range(runs):
        t0 = time.monotonic()
        tmux("new-session", "-d", "-s", "run", "-x", width, "-y", height,
             "env LC_ALL=C.UTF-8 TERM=xterm-256color " + command)
        seen = None
        while time.monotonic() - t0 < 30:
            if needle in tmux("capture-pane", "-p", "-t", "run", check=False).stdout:
                seen = time.monotonic() - t0
                break
        tmux("kill-session", "-t", "run", check=False)
        print(f"{seen:.4f}" if seen is not None else "nan", flush=True)
        time.sleep(0.2)
finally:
    tmux("kill-server", check=False)
