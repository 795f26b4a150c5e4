"""What core-schema.md's "who may read / write" column means for each core table, as rules
over the labelled rows of tests/support/core_world.py. One `TableCase` per core table: a table
without a case makes test_core_schema fail.

A rule `can_x(world, actor, label) -> bool` says whether `actor` (a person of the world,
acting as `authenticated`) may do x to the row labelled `label`."""

from __future__ import annotations

from tests.support.core_world import PEOPLE, random_hex64
from tests.support.rls_matrix import TableCase, never


def _org(label: str) -> str:
    return label.split(":")[0]


def _person(label: str) -> str:
    return label.split(":")[1]


CASES: dict[str, TableCase] = {}


def _case(case: TableCase) -> None:
    CASES[case.table] = case


_case(
    TableCase(
        table="users",
        can_read=lambda w, a, l: a == l or w.shares_org(a, l),
        update_set="full_name = full_name || ' (changed)'",
        can_update=lambda w, a, l: a == l,
        can_delete=never,
        insert=lambda w, a, l: (
            "insert into public.users (id, email) values (%(id)s, 'x@example.com')",
            {"id": w.users[l]},
        ),
        insert_labels=("alice", "bob"),
        can_insert=never,
        service_writes=frozenset({"update", "delete"}),
    )
)

_case(
    TableCase(
        table="organizations",
        can_read=lambda w, a, l: w.is_member(a, l),
        update_set="name = name || ' (renamed)'",
        can_update=lambda w, a, l: w.is_owner(a, l),
        can_delete=never,
        insert=lambda w, a, l: (
            "insert into public.organizations (name, created_by) values ('New team', %(by)s)",
            {"by": w.users[l]},
        ),
        insert_labels=("alice", "bob"),
        can_insert=never,
    )
)

_case(
    TableCase(
        table="memberships",
        can_read=lambda w, a, l: w.is_member(a, _org(l)),
        update_set="role = case role when 'member' then 'admin'::public.membership_role else 'member' end",
        can_update=lambda w, a, l: w.is_admin(a, _org(l)),
        can_delete=lambda w, a, l: w.is_admin(a, _org(l)) or a == _person(l),
        # newcomers: erin joins A, carol joins B
        insert=lambda w, a, l: (
            "insert into public.memberships (org_id, user_id, role) values (%(org)s, %(user)s, 'member')",
            {"org": w.orgs[l], "user": w.users["erin" if l == "A" else "carol"]},
        ),
        insert_labels=("A", "B"),
        can_insert=lambda w, a, l: w.is_admin(a, l),
        # owner rows have extra rules (tested on their own in test_core_schema)
        write_labels=("A:dana", "A:carol", "B:erin"),
    )
)

_case(
    TableCase(
        table="invitations",
        can_read=lambda w, a, l: w.is_admin(a, l),
        update_set="expires_at = expires_at + interval '1 day'",
        can_update=lambda w, a, l: w.is_admin(a, l),
        can_delete=lambda w, a, l: w.is_admin(a, l),
        insert=lambda w, a, l: (
            "insert into public.invitations (org_id, email, token_hash, invited_by) "
            "values (%(org)s, 'newcomer@example.com', %(hash)s, %(by)s)",
            {"org": w.orgs[l], "hash": random_hex64(), "by": w.users[a]},
        ),
        insert_labels=("A", "B"),
        can_insert=lambda w, a, l: w.is_admin(a, l),
    )
)

_case(
    TableCase(
        table="customers",
        can_read=lambda w, a, l: w.is_owner(a, l),
        update_set="provider_customer_id = provider_customer_id || '_x'",
        can_update=never,
        can_delete=never,
        # personal organizations have no customer yet, so service_role's insert can succeed
        insert=lambda w, a, l: (
            "insert into public.customers (org_id, provider_customer_id) values (%(org)s, %(cus)s)",
            {"org": w.orgs[l], "cus": f"cus_new_{l}"},
        ),
        insert_labels=("alice", "bob"),
        can_insert=never,
        service_only_writes=True,
    )
)

_case(
    TableCase(
        table="products",
        can_read=lambda w, a, l: l == "active",
        update_set="name = name || ' (changed)'",
        can_update=never,
        can_delete=never,
        insert=lambda w, a, l: (
            "insert into public.products (name, active) values ('Team plan', %(active)s)",
            {"active": l == "active"},
        ),
        insert_labels=("active",),
        can_insert=never,
        service_only_writes=True,
    )
)

_case(
    TableCase(
        table="prices",
        can_read=lambda w, a, l: l == "active",
        update_set="unit_amount = unit_amount + 100",
        can_update=never,
        can_delete=never,
        insert=lambda w, a, l: (
            "insert into public.prices (product_id, currency, unit_amount, interval) "
            "values (%(product)s, 'eur', 900, 'month')",
            {"product": w.rows["products"]["active"]},
        ),
        insert_labels=("active",),
        can_insert=never,
        service_only_writes=True,
    )
)

_case(
    TableCase(
        table="subscriptions",
        can_read=lambda w, a, l: w.is_member(a, l),
        update_set="status = 'canceled'",
        can_update=never,
        can_delete=never,
        insert=lambda w, a, l: (
            "insert into public.subscriptions (org_id, price_id, provider_subscription_id, status) "
            "values (%(org)s, %(price)s, %(sub)s, 'trialing')",
            {"org": w.orgs[l], "price": w.rows["prices"]["active"], "sub": f"sub_new_{l}"},
        ),
        insert_labels=("A", "B"),
        can_insert=never,
        service_only_writes=True,
    )
)

_case(
    TableCase(
        table="metrics",
        can_read=lambda w, a, l: w.is_member(a, l),
        update_set="value = value + 1",
        can_update=never,
        can_delete=never,
        insert=lambda w, a, l: (
            "insert into public.metrics (org_id, user_id, name, value) values (%(org)s, %(user)s, 'api.calls', 1)",
            {"org": w.orgs[l], "user": w.users[a]},
        ),
        insert_labels=("A", "B"),
        can_insert=lambda w, a, l: w.is_member(a, l),
    )
)

_case(
    TableCase(
        table="api_keys",
        can_read=lambda w, a, l: w.is_admin(a, l),
        update_set="name = name || ' (renamed)'",
        can_update=lambda w, a, l: w.is_admin(a, l),
        can_delete=lambda w, a, l: w.is_admin(a, l),
        insert=lambda w, a, l: (
            "insert into public.api_keys (org_id, name, prefix, key_hash, created_by) "
            "values (%(org)s, 'deploy', 'mk_new1', %(hash)s, %(by)s)",
            {"org": w.orgs[l], "hash": random_hex64(), "by": w.users[a]},
        ),
        insert_labels=("A", "B"),
        can_insert=lambda w, a, l: w.is_admin(a, l),
    )
)

_case(
    TableCase(
        table="audit_logs",
        can_read=lambda w, a, l: w.is_admin(a, l),
        update_set="action = 'tampered'",
        can_update=never,
        can_delete=never,
        insert=lambda w, a, l: (
            "insert into public.audit_logs (org_id, actor_id, action) values (%(org)s, %(by)s, 'key.created')",
            {"org": w.orgs[l], "by": w.users[a]},
        ),
        insert_labels=("A", "B"),
        can_insert=never,
        service_writes=frozenset({"insert", "delete"}),  # append-only: not even service_role updates
        service_only_writes=True,
    )
)

_case(
    TableCase(
        table="notifications",
        can_read=lambda w, a, l: a == l,
        update_set="read_at = now()",
        can_update=lambda w, a, l: a == l,
        can_delete=lambda w, a, l: a == l,
        insert=lambda w, a, l: (
            "insert into public.notifications (user_id, kind) values (%(user)s, 'reminder')",
            {"user": w.users[l]},
        ),
        insert_labels=PEOPLE,
        can_insert=lambda w, a, l: a == l,
    )
)

_case(
    TableCase(
        table="feature_flags",
        can_read=lambda w, a, l: l == "global" or w.is_member(a, l),
        update_set="enabled = not enabled",
        can_update=never,
        can_delete=never,
        insert=lambda w, a, l: (
            "insert into public.feature_flags (key, org_id, enabled) values ('new.flag', %(org)s, true)",
            {"org": w.orgs[l]},
        ),
        insert_labels=("A", "B"),
        can_insert=never,
        service_only_writes=True,
    )
)
