import keyring
import pytest

from tests.support.keyrings import NoKeyring
from wizard.clone import SecretStore, credentials, find_access_token, find_db_password, generate_db_password


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    yield
    keyring.set_keyring(previous)


def test_keyring_comes_before_environment(memory_keyring, monkeypatch):
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", "sbp_" + "b" * 40)
    store = SecretStore()
    assert find_access_token(store) == ("sbp_" + "b" * 40, "$SUPABASE_ACCESS_TOKEN")
    store.set(credentials.TOKEN_KEY, "sbp_" + "a" * 40)
    assert find_access_token(store) == ("sbp_" + "a" * 40, "keyring")
    assert memory_keyring.values[("musekit", "access-token")] == "sbp_" + "a" * 40


def test_without_keyring_says_so_once_and_uses_environment(no_keyring, monkeypatch):
    told = []
    store = SecretStore(notify=told.append)
    monkeypatch.setenv("MUSEKIT_DB_PASSWORD", "from-env-Pw1")
    assert store.set("x", "y") is False
    assert find_db_password(store, "abcdefghijklmnopqrst", "clone1") == "from-env-Pw1"
    monkeypatch.delenv("SUPABASE_ACCESS_TOKEN", raising=False)
    assert find_access_token(store) == (None, "")
    assert len(told) == 1 and "no OS keyring" in told[0] and "MUSEKIT_DB_PASSWORD" in told[0]
    assert not store.available


def test_db_password_found_under_ref_then_pending_clone_key(memory_keyring, monkeypatch):
    monkeypatch.delenv("MUSEKIT_DB_PASSWORD", raising=False)
    store = SecretStore()
    store.set(credentials.pending_db_password_key("c1"), "pending-Pw1")
    assert find_db_password(store, None, "c1") == "pending-Pw1"
    store.set(credentials.db_password_key("abcdefghijklmnopqrst"), "ref-Pw1")
    assert find_db_password(store, "abcdefghijklmnopqrst", "c1") == "ref-Pw1"
    assert find_db_password(store, None, "other") is None


def test_generated_passwords_are_strong_and_url_safe():
    pws = {generate_db_password() for _ in range(50)}
    assert len(pws) == 50
    for pw in pws:
        assert len(pw) == 32 and pw.isalnum()
        assert any(c.isupper() for c in pw) and any(c.islower() for c in pw) and any(c.isdigit() for c in pw)
