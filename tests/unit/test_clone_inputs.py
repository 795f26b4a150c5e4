"""Bad input to `musekit clone` and a tampered journal are refused before anything is created or
any secret leaves: the project name, the folder, the template, where the password will live, and
the Management API a resume talks to."""

from __future__ import annotations

import http.server
import threading
from typing import ClassVar

import keyring
import pytest

from tests.support.keyrings import NoKeyring
from wizard import cli
from wizard.clone import CloneInputs, Journal, default_folder, project_name_problem, save_journal

TOKEN = "sbp_" + "a" * 40


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\t", "empty"),
        ("../x", "not a path"),
        ("a/../../etc", "not a path"),
        ("/abs/path", "not a path"),
        ("C:\\muse", "not a path"),
        ("line\nbreak", "control character"),
        ("bell\x07", "control character"),
        ("right\u202eleft", "control character"),  # a bidi override hides what the name says
        (" padded", "spaces"),
        ("x" * 257, "at most 256"),
        ("...", "ASCII letter or digit"),
    ],
)
def test_bad_project_names_are_refused_with_the_reason(name, said):
    problem = project_name_problem(name)
    assert problem is not None and said in problem


@pytest.mark.parametrize("name", ["my-muse", "My Muse 2", "x" * 256, "café-bar", "a.b_c"])
def test_good_names_pass_and_their_folder_is_a_child_of_the_base(tmp_path, name):
    assert project_name_problem(name) is None
    folder = default_folder(name, tmp_path)
    assert folder.parent == tmp_path and folder.name not in ("", ".", "..")
    assert set(folder.name) <= set("abcdefghijklmnopqrstuvwxyz0123456789._-")


@pytest.mark.parametrize("name", ["", "../escape", "/etc", "two\nlines", "x" * 300])
def test_the_clone_command_refuses_a_bad_name_with_exit_2_and_creates_nothing(tmp_path, monkeypatch, capsys, name):
    monkeypatch.chdir(tmp_path)
    code = cli.main(["clone", "--sandbox", "--muse", "socioscheduler", "--name", name, "--yes"])
    assert code == 2
    assert "--name" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_journal_with_a_bad_name_is_refused():
    with pytest.raises(ValueError, match="not a path"):
        CloneInputs(muse="socioscheduler", name="../../x", organization="o", region="us-east-1", api_url="http://x")


def test_dir_pointing_at_a_file_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("mine")
    code = cli.main(["clone", "--sandbox", "--muse", "socioscheduler", "--name", "m", "--dir", "taken", "--yes"])
    assert code == 2 and "is a file" in capsys.readouterr().err
    assert (tmp_path / "taken").read_text() == "mine"


def test_an_unknown_template_is_refused_before_anything_starts(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    code = cli.main(["clone", "--sandbox", "--muse", "nosuch", "--name", "m", "--yes", "--json"])
    assert code == 2
    assert '"event": "error"' in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []  # no sandbox data dir, no Muse folder


def test_headless_without_keyring_or_password_env_refuses_before_creating_anything(tmp_path, monkeypatch, capsys):
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("MUSEKIT_DB_PASSWORD", raising=False)
        monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", TOKEN)
        code = cli.main(["clone", "--muse", "socioscheduler", "--name", "m", "--org", "o", "--yes", "--json"])
    finally:
        keyring.set_keyring(previous)
    out = capsys.readouterr().out
    assert code == 2 and "MUSEKIT_DB_PASSWORD" in out and "Nothing was created" in out
    assert list(tmp_path.iterdir()) == []


class _Spy(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Spy.seen.append(f"{self.path} {self.headers.get('Authorization')}")
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def spy_api():
    _Spy.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Spy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("command", ["status", "resume"])
def test_a_journal_pointing_at_another_api_never_gets_the_token(tmp_path, monkeypatch, capsys, spy_api, command):
    """An edited .musekit/clone.json must not make musekit send the access token elsewhere."""
    inputs = CloneInputs(muse="socioscheduler", name="m", organization="o", region="us-east-1", api_url=spy_api)
    save_journal(tmp_path, Journal(inputs=inputs, project_ref="abcdefghijklmnopqrst"))
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", TOKEN)
    monkeypatch.delenv("SUPABASE_API_URL", raising=False)
    code = cli.main([command, str(tmp_path), "--json"])
    out = capsys.readouterr().out
    assert _Spy.seen == []
    assert "SUPABASE_API_URL" in out
    assert code == (0 if command == "status" else 2)  # status reports what it can; resume refuses


@pytest.mark.parametrize(
    ("url", "options"),
    [
        ("postgresql://postgres:pw@127.0.0.1:5432/postgres", {}),
        ("postgresql://postgres:pw@localhost/postgres", {}),
        ("postgresql://postgres:pw@[::1]:5432/postgres", {}),
        ("postgresql:///postgres?host=/tmp/socketdir", {}),
        ("postgresql://postgres.ref:pw@aws-0-eu-west-1.pooler.supabase.com:5432/postgres", {"sslmode": "require"}),
        ("postgresql://u:pw@db.example.com/postgres?sslmode=verify-full", {}),
        ("postgresql://u:pw@127.0.0.1:5432,db.example.com:5432/postgres", {"sslmode": "require"}),
        ("postgresql://postgres:pw@127.0.0.2:5432/postgres", {}),
        # a name that starts like a loopback address resolves anywhere (found in review)
        ("postgresql://u:pw@127.0.0.1.nip.io:5432/postgres", {"sslmode": "require"}),
        ("postgresql://u:pw@127.attacker.example/postgres", {"sslmode": "require"}),
    ],
)
def test_non_local_databases_are_reached_over_tls(url, options):
    from wizard.pg import parse_url, tls_options

    assert tls_options(parse_url(url)) == options


@pytest.mark.parametrize("mode", ["disable", "allow", "prefer"])
async def test_a_weaker_sslmode_to_a_remote_host_is_refused_before_connecting(mode):
    from wizard.pg import InvalidDatabaseUrl, connect

    with pytest.raises(InvalidDatabaseUrl, match="TLS only") as info:
        await connect(f"postgresql://u:s3cretpw@db.example.com/postgres?sslmode={mode}")
    assert "s3cretpw" not in str(info.value)
