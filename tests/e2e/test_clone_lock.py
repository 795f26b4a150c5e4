"""The clone lock across processes: a second process on the same folder is refused, and a killed
holder leaves nothing stale."""

import subprocess
import sys
import textwrap

import pytest

from wizard.clone import CloneBusy, CloneLock


def test_second_process_on_the_same_folder_is_refused(tmp_path):
    code = textwrap.dedent(f"""
        import sys, time
        from wizard.clone.journal import CloneLock
        with CloneLock({str(tmp_path)!r}):
            print("locked", flush=True)
            sys.stdin.readline()
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(CloneBusy, match="another musekit process"):
            CloneLock(tmp_path).acquire()
    finally:
        holder.kill()
        holder.wait()
    with CloneLock(tmp_path):  # a killed holder leaves nothing stale
        pass
