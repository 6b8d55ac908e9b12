"""A command's whole session (mpirun and its ranks), for the fault and hostile suites: every
command there runs in a new session so that a hang or a kill reaches every process of it."""

import os
import signal
from pathlib import Path


def session_pids(sid):
    """The live processes of session sid (from /proc: the 4th field after the command)."""
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(entry.name))
    return pids


def kill_session(proc, sig=signal.SIGKILL):
    """Sends sig to every process of the session proc leads (started with start_new_session)."""
    for pid in session_pids(proc.pid):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
