"""Embedded clusters started by other processes: gone when the process exits, and `musekit localdb`
serving a shimmed database until Ctrl-C."""

import subprocess
import sys
import textwrap

import psycopg

from wizard.pg import process_alive


def test_server_started_by_a_process_is_gone_after_it_exits(tmp_path):
    code = textwrap.dedent("""
        from wizard.pg.embedded import EmbeddedPostgres
        pg = EmbeddedPostgres.throwaway().start()
        print(pg.postmaster_pid(), flush=True)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    pid = int(out.stdout.strip())
    assert not process_alive(pid)


def test_localdb_command_serves_a_shimmed_database_until_ctrl_c(cluster_dir_factory):
    import signal

    from wizard.pg import free_port

    data_dir = cluster_dir_factory("localdb")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "wizard", "localdb", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        for line in proc.stdout:
            if line.strip().startswith("url:"):
                url = line.split("url:", 1)[1].strip()
            if "Ctrl-C" in line:
                break
        assert url and f"127.0.0.1:{port}/" in url
        with psycopg.connect(url) as conn:
            assert conn.execute("select current_user, to_regclass('auth.users') is not null").fetchone() == (
                "postgres",
                True,
            )
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not process_alive(pid)
