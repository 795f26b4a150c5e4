"""Seeds and RLS rules for the tables of the two shipped Muses, over the core World of
tests/support/core_world.py (alice, dana, carol in team A; bob, erin in team B; personal orgs)."""

from __future__ import annotations

import uuid

import psycopg

from tests.support.core_world import World
from tests.support.rls_matrix import TableCase, never


def _one(conn: psycopg.Connection, query: str, params: object = None) -> str:
    return str(conn.execute(query, params).fetchone()[0])


def _person(label: str) -> str:
    return label.split("@")[0]


def _org(label: str) -> str:
    return label.split("@")[1]


# -- SocioScheduler -------------------------------------------------------------------------------


def seed_socioscheduler(conn: psycopg.Connection, w: World) -> None:
    w.rows["brand_preferences"] = {
        p: _one(
            conn,
            "insert into public.brand_preferences (user_id, tone, niche, location, sample_urls) "
            "values (%s, %s, %s, 'Austin', array['https://example.com/a']) returning id",
            (w.users[p], tone, f"{p}'s niche"),
        )
        for p, tone in (("alice", "fun"), ("carol", "casual"), ("bob", "professional"))
    }
    w.rows["post_queues"] = {
        label: _one(
            conn,
            "insert into public.post_queues (user_id, org_id, content, platform, status, scheduled_at) "
            "values (%s, %s, %s, 'linkedin', 'scheduled', now() + interval '1 day') returning id",
            (w.users[_person(label)], w.orgs[_org(label)], f"post by {label}"),
        )
        for label in ("alice@alice", "carol@A", "bob@B", "erin@B")
    }
    w.rows["alert_logs"] = {
        p: _one(
            conn,
            "insert into public.alert_logs (user_id, trend_text, suggested_post) "
            "values (%s, 'AI agents trend', 'A take on agents') returning id",
            (w.users[p],),
        )
        for p in ("alice", "carol", "bob")
    }


SOCIOSCHEDULER_CASES: dict[str, TableCase] = {
    "brand_preferences": TableCase(
        table="brand_preferences",
        can_read=lambda w, a, l: a == l,
        update_set="niche = niche || ' and more'",
        can_update=lambda w, a, l: a == l,
        can_delete=lambda w, a, l: a == l,
        insert=lambda w, a, l: (
            "insert into public.brand_preferences (user_id, tone) values (%(user)s, 'creative')",
            {"user": w.users[l]},
        ),
        insert_labels=("dana", "erin"),  # the people without preferences yet (one row per user)
        can_insert=lambda w, a, l: a == l,
    ),
    "post_queues": TableCase(
        table="post_queues",
        can_read=lambda w, a, l: a == _person(l),
        update_set="content = content || ' (edited)'",
        can_update=lambda w, a, l: a == _person(l),
        can_delete=lambda w, a, l: a == _person(l),
        insert=lambda w, a, l: (
            "insert into public.post_queues (user_id, org_id, content, platform) "
            "values (%(user)s, %(org)s, 'hello', 'x')",
            {"user": w.users[_person(l)], "org": w.orgs[_org(l)]},
        ),
        insert_labels=("carol@A", "carol@B", "bob@B", "alice@alice", "alice@bob"),
        can_insert=lambda w, a, l: a == _person(l) and w.is_member(a, _org(l)),
    ),
    "alert_logs": TableCase(
        table="alert_logs",
        can_read=lambda w, a, l: a == l,
        update_set="action_taken = 'approve'",
        can_update=lambda w, a, l: a == l,
        can_delete=never,
        insert=lambda w, a, l: (
            "insert into public.alert_logs (user_id, trend_text) values (%(user)s, 'new trend')",
            {"user": w.users[l]},
        ),
        insert_labels=("alice", "bob"),
        can_insert=never,  # alerts come from the trend watcher (service_role)
    ),
}


# -- Realtor -----------------------------------------------------------------------------------------


def seed_realtor(conn: psycopg.Connection, w: World) -> None:
    listings = {}
    for label, creator in (("A1", "dana"), ("A2", "carol"), ("B1", "bob")):
        listings[label] = _one(
            conn,
            "insert into public.listings (org_id, mls_number, address, city, state, postal_code, list_price, "
            "beds, baths, sqft, created_by) values (%s, %s, '1 Main St', 'Austin', 'TX', '78701', 450000, 3, 2.5, 1800, %s) "
            "returning id",
            (w.orgs[label[0]], f"MLS-{label}", w.users[creator]),
        )
    w.rows["listings"] = listings
    w.rows["saved_searches"] = {
        label: _one(
            conn,
            "insert into public.saved_searches (user_id, org_id, name, criteria) "
            "values (%s, %s, 'Family homes', '{\"min_beds\": 3}') returning id",
            (w.users[_person(label)], w.orgs[_org(label)]),
        )
        for label in ("alice@A", "carol@A", "bob@B")
    }
    w.rows["showings"] = {
        label: _one(
            conn,
            "insert into public.showings (listing_id, org_id, user_id, scheduled_at) "
            "values (%s, %s, %s, now() + interval '2 days') returning id",
            (listings[label.split(":")[0]], w.orgs[label[0]], w.users[label.split(":")[1]]),
        )
        for label in ("A1:carol", "A1:dana", "B1:erin")
    }


def _showing_org(label: str) -> str:
    return label[0]


def _showing_agent(label: str) -> str:
    return label.split(":")[1]


REALTOR_CASES: dict[str, TableCase] = {
    "listings": TableCase(
        table="listings",
        can_read=lambda w, a, l: w.is_member(a, l[0]),
        update_set="list_price = list_price + 1000",
        can_update=lambda w, a, l: w.is_member(a, l[0]),
        can_delete=lambda w, a, l: w.is_admin(a, l[0]),
        insert=lambda w, a, l: (
            "insert into public.listings (org_id, mls_number, address, city, state, postal_code, created_by) "
            "values (%(org)s, %(mls)s, '2 Oak Ave', 'Austin', 'TX', '78702', %(by)s)",
            {"org": w.orgs[l], "mls": f"MLS-{uuid.uuid4().hex[:8]}", "by": w.users[a]},
        ),
        insert_labels=("A", "B"),
        can_insert=lambda w, a, l: w.is_member(a, l),
        # showings reference A1 and B1; service_role deletes the last label, A2, which nothing references
        write_labels=("A1", "B1", "A2"),
    ),
    "saved_searches": TableCase(
        table="saved_searches",
        can_read=lambda w, a, l: a == _person(l),
        update_set="name = name || ' v2'",
        can_update=lambda w, a, l: a == _person(l),
        can_delete=lambda w, a, l: a == _person(l),
        insert=lambda w, a, l: (
            "insert into public.saved_searches (user_id, org_id, name) values (%(user)s, %(org)s, 'Condos')",
            {"user": w.users[_person(l)], "org": w.orgs[_org(l)]},
        ),
        insert_labels=("carol@A", "carol@B", "bob@B", "erin@A"),
        can_insert=lambda w, a, l: a == _person(l) and w.is_member(a, _org(l)),
    ),
    "showings": TableCase(
        table="showings",
        can_read=lambda w, a, l: w.is_member(a, _showing_org(l)),
        update_set="status = 'confirmed'",
        can_update=lambda w, a, l: a == _showing_agent(l) or w.is_admin(a, _showing_org(l)),
        can_delete=lambda w, a, l: a == _showing_agent(l) or w.is_admin(a, _showing_org(l)),
        insert=lambda w, a, l: (
            "insert into public.showings (listing_id, org_id, user_id, scheduled_at) "
            "values (%(listing)s, %(org)s, %(user)s, now() + interval '3 days')",
            {"listing": w.rows["listings"][f"{l}1"], "org": w.orgs[l], "user": w.users[a]},
        ),
        insert_labels=("A", "B"),
        can_insert=lambda w, a, l: w.is_member(a, l),
    ),
}

MUSES = {
    "socioscheduler": (seed_socioscheduler, SOCIOSCHEDULER_CASES),
    "realtor": (seed_realtor, REALTOR_CASES),
}
