"""A small populated MuseKit core database for RLS tests: five users, two team organizations,
and labelled rows in every core table.

Team organization A: alice (owner), dana (admin), carol (member).
Team organization B: bob (owner), erin (member).
Everyone also has a personal organization (labelled by their name, id = user id).
Rows are labelled so tests can state expectations by rule ("members of the row's
organization read it") instead of by id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import psycopg

from tests.support.rls_helpers import create_auth_user, sha256_hex

PEOPLE = ("alice", "dana", "carol", "bob", "erin")
TEAMS = {"A": {"alice": "owner", "dana": "admin", "carol": "member"}, "B": {"bob": "owner", "erin": "member"}}


@dataclass
class World:
    users: dict[str, str] = field(default_factory=dict)  # name -> user id
    orgs: dict[str, str] = field(default_factory=dict)  # org label -> org id
    roles: dict[tuple[str, str], str] = field(default_factory=dict)  # (name, org label) -> role
    rows: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> label -> row id

    def role(self, person: str, org: str) -> str | None:
        return self.roles.get((person, org))

    def is_member(self, person: str, org: str) -> bool:
        return self.role(person, org) is not None

    def is_admin(self, person: str, org: str) -> bool:
        return self.role(person, org) in ("owner", "admin")

    def is_owner(self, person: str, org: str) -> bool:
        return self.role(person, org) == "owner"

    def orgs_of(self, person: str) -> set[str]:
        return {org for (who, org) in self.roles if who == person}

    def shares_org(self, person: str, other: str) -> bool:
        return bool(self.orgs_of(person) & self.orgs_of(other))


def seed_world(conn: psycopg.Connection) -> World:
    """Populate every core table as `postgres` (which bypasses RLS) and label each row."""
    w = World()
    for name in PEOPLE:
        w.users[name] = create_auth_user(conn, f"{name}@example.com", name.title())
        w.orgs[name] = w.users[name]
        w.roles[(name, name)] = "owner"
    for team, members in TEAMS.items():
        owner = next(p for p, r in members.items() if r == "owner")
        w.orgs[team] = _one(
            conn,
            "insert into public.organizations (name, slug, created_by) values (%s, %s, %s) returning id",
            (f"Team {team}", f"team-{team.lower()}", w.users[owner]),
        )
        for person, role in members.items():
            conn.execute(
                "insert into public.memberships (org_id, user_id, role) values (%s, %s, %s)",
                (w.orgs[team], w.users[person], role),
            )
            w.roles[(person, team)] = role

    w.rows["users"] = dict(w.users)
    w.rows["organizations"] = dict(w.orgs)
    w.rows["memberships"] = {
        f"{org}:{person}": _one(
            conn, "select id from public.memberships where org_id = %s and user_id = %s", (w.orgs[org], w.users[person])
        )
        for (person, org) in w.roles
    }
    _seed_org_rows(conn, w)
    _seed_catalog(conn, w)
    w.rows["notifications"] = {
        p: _one(
            conn,
            "insert into public.notifications (user_id, kind, payload) values (%s, 'welcome', '{}') returning id",
            (w.users[p],),
        )
        for p in PEOPLE
    }
    return w


def _seed_org_rows(conn: psycopg.Connection, w: World) -> None:
    members_of = {"A": "carol", "B": "erin"}
    admins_of = {"A": "dana", "B": "bob"}
    for table in ("invitations", "customers", "metrics", "api_keys", "audit_logs", "feature_flags"):
        w.rows[table] = {}
    w.rows["feature_flags"]["global"] = _one(
        conn, "insert into public.feature_flags (key, enabled) values ('beta.dashboard', true) returning id"
    )
    for team in TEAMS:
        org = w.orgs[team]
        admin = w.users[admins_of[team]]
        w.rows["invitations"][team] = _one(
            conn,
            "insert into public.invitations (org_id, email, token_hash, invited_by) values (%s, %s, %s, %s) returning id",
            (org, f"invitee-{team.lower()}@example.com", sha256_hex(conn, f"token-{team}"), admin),
        )
        w.rows["customers"][team] = _one(
            conn,
            "insert into public.customers (org_id, provider_customer_id) values (%s, %s) returning id",
            (org, f"cus_{team}"),
        )
        w.rows["metrics"][team] = _one(
            conn,
            "insert into public.metrics (org_id, user_id, name, value) values (%s, %s, 'api.calls', 3) returning id",
            (org, w.users[members_of[team]]),
        )
        w.rows["api_keys"][team] = _one(
            conn,
            "insert into public.api_keys (org_id, name, prefix, key_hash, created_by) values (%s, %s, %s, %s, %s) returning id",
            (org, f"CI key {team}", f"mk_{team}xyz", sha256_hex(conn, f"mk_{team}xyz-secret"), admin),
        )
        w.rows["audit_logs"][team] = _one(
            conn,
            "insert into public.audit_logs (org_id, actor_id, action, target) values (%s, %s, 'member.invited', 'invitation') returning id",
            (org, admin),
        )
        w.rows["feature_flags"][team] = _one(
            conn,
            "insert into public.feature_flags (key, org_id, enabled) values ('beta.dashboard', %s, false) returning id",
            (org,),
        )


def _seed_catalog(conn: psycopg.Connection, w: World) -> None:
    products = {
        "active": _one(
            conn,
            "insert into public.products (name, provider_product_id, active) values ('Pro', 'prod_pro', true) returning id",
        ),
        "inactive": _one(
            conn,
            "insert into public.products (name, provider_product_id, active) values ('Legacy', 'prod_old', false) returning id",
        ),
    }
    w.rows["products"] = products
    w.rows["prices"] = {
        "active": _one(
            conn,
            "insert into public.prices (product_id, provider_price_id, currency, unit_amount, interval, active) "
            "values (%s, 'price_pro_m', 'usd', 1900, 'month', true) returning id",
            (products["active"],),
        ),
        "inactive": _one(
            conn,
            "insert into public.prices (product_id, provider_price_id, currency, unit_amount, interval, active) "
            "values (%s, 'price_pro_y', 'usd', 19000, 'year', false) returning id",
            (products["active"],),
        ),
    }
    w.rows["subscriptions"] = {
        team: _one(
            conn,
            "insert into public.subscriptions (org_id, price_id, provider_subscription_id, status) "
            "values (%s, %s, %s, 'active') returning id",
            (w.orgs[team], w.rows["prices"]["active"], f"sub_{team}"),
        )
        for team in TEAMS
    }


def _one(conn: psycopg.Connection, query: str, params: object = None) -> str:
    return str(conn.execute(query, params).fetchone()[0])


def random_hex64() -> str:
    return uuid.uuid4().hex + uuid.uuid4().hex
