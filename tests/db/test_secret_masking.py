"""A database error never shows the password, not even a short one by the gaps masking leaves."""

from __future__ import annotations

import pytest

from wizard.pg import DatabaseConnectError, connect


@pytest.mark.parametrize("password", ["a", "ss", "tion", "Sup3r-s3cret"])
async def test_a_rejected_password_leaves_no_trace_in_the_error(pg, db_url, password):
    dbname = db_url.rsplit("/", 1)[1]
    with pytest.raises(DatabaseConnectError) as info:
        await connect(pg.url(dbname, user="postgres", password=password))
    message = str(info.value)
    assert not any("***" in w and w != "***" for w in message.split())  # whole words, never letters
    if len(password) >= 4:
        assert password not in message
    else:  # a short secret is not hunted inside other words: libpq's text stays readable
        assert "password authentication failed" in message
