"""A small world for store-access tests: two stores, every role, and one of each store object.

Store A has a viewer, a manager and an owner; store B belongs to another owner (with a viewer
of its own). The app admin is a member of neither. Each store has an open invitation, an
explicit grant and a credential-log row, so every URL kwarg has an object in both stores.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import AppRole
from accounts.services import invitation_accept
from accounts.services import invitation_create
from accounts.services import user_create
from accounts.services import user_role_grant
from audit.models import CredentialAccessLog
from orders.models import Order
from stores.access import RUN_SYNC
from stores.models import StoreRole
from stores.models import StoreUser
from stores.models import StoreUserObjectPermission
from stores.services import store_create

PASSWORD = "a-Long-enough-passw0rd"
ROLES = ("anonymous", "viewer", "manager", "owner", "other_owner", "admin", "team")
# A port nothing listens on: "test connection" fails fast as unreachable.
UNREACHABLE_URL = "http://127.0.0.1:9"


@dataclass
class World:
    users: dict = field(default_factory=dict)
    stores: dict = field(default_factory=dict)
    memberships: dict = field(default_factory=dict)  # store key -> a non-owner membership
    invitations: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    grants: dict = field(default_factory=dict)

    def own_store_key(self, role):
        return "B" if role == "other_owner" else "A"

    def other_store_key(self, role):
        return "A" if role == "other_owner" else "B"

    def posts_as(self, client, roles, url, data):
        """Each role's answer to POSTing ``data`` to ``url``, signed in as that role's user."""
        for role in roles:
            client.force_login(self.users[role])
            yield client.post(url, data)


def make_user(email, *, password=PASSWORD, first_name=None, last_name=None, admin=False):
    user = user_create(email=email, password=password, first_name=first_name, last_name=last_name)
    if admin:
        user_role_grant(user=user, role=AppRole.ADMIN)
    return user


def make_store(
    owner, name, *, url=UNREACHABLE_URL, api_key="ck_live_1234567890abcd", api_secret="cs_live_0987654321wxyz"
):
    return store_create(
        actor=owner, name=name, url=url, api_key=api_key, api_secret=api_secret, webhook_secret="whsec_topsecret_9876"
    )


def add_member(store, user, role):
    return StoreUser.objects.create(store=store, user=user, role=role)


def build_world():
    world = World()
    users = world.users
    users["owner"] = make_user("owner@example.com", first_name="Olive", last_name="Owner")
    users["manager"] = make_user("manager@example.com")
    users["viewer"] = make_user("viewer@example.com")
    users["other_owner"] = make_user("other@example.com")
    users["admin"] = make_user("admin@example.com", admin=True)
    # The delivery team (projects/): the "user" app role, a member of no store.
    users["team"] = make_user("team@example.com")
    user_role_grant(user=users["team"], role=AppRole.USER)
    support = make_user("support@example.com")
    b_viewer = make_user("b-viewer@example.com")

    store_a = make_store(users["owner"], "Alpha Shop")
    store_b = make_store(users["other_owner"], "Beta Shop")
    world.stores = {"A": store_a, "B": store_b}
    add_member(store_a, users["manager"], StoreRole.MANAGER)
    world.memberships["A"] = add_member(store_a, users["viewer"], StoreRole.VIEWER)
    world.memberships["B"] = add_member(store_b, b_viewer, StoreRole.VIEWER)

    for key, owner in (("A", users["owner"]), ("B", users["other_owner"])):
        store = world.stores[key]
        invitation, token = invitation_create(
            actor=owner, store=store, email=f"invitee-{key.lower()}@example.com", role=StoreRole.VIEWER
        )
        world.invitations[key], world.tokens[key] = invitation, token
        # Not a member: the support user gets the permission by accepting an invitation.
        _grant, grant_token = invitation_create(actor=owner, store=store, email=support.email, permission=RUN_SYNC)
        invitation_accept(token=grant_token, user=support)
        world.grants[key] = StoreUserObjectPermission.objects.get(content_object=store, user=support)
        CredentialAccessLog.objects.create(store=store, user=owner, ip_address="10.0.0.1", user_agent="Firefox")
    return world


# Realistic customers: what must never reach a viewer.
CUSTOMERS = [
    {
        "name": "דנה לוי",
        "email": "dana.levi@gmail.com",
        "phone": "+972-52-555-0143",
        "address": "רחוב הרצל 12",
        "city": "תל אביב",
    },
    {
        "name": "Jonathan O'Brien",
        "email": "jon.obrien@example.co.uk",
        "phone": "+44 20 7946 0958",
        "address": "221B Baker Street",
        "city": "London",
    },
    {
        "name": "מוחמד חורי",
        "email": "m.khoury@walla.co.il",
        "phone": "054-777-8899",
        "address": "שדרות בן גוריון 5",
        "city": "חיפה",
    },
    {
        "name": "Émilie Dubois",
        "email": "emilie.dubois@orange.fr",
        "phone": "+33 6 12 34 56 78",
        "address": "8 Rue de Rivoli",
        "city": "Paris",
    },
]


def pii_strings():
    """Every personal value the orders hold, as a viewer must never see them."""
    values = []
    for customer in CUSTOMERS:
        values += [customer["name"], customer["email"], customer["phone"], customer["address"]]
        values += customer["name"].split()
        values.append(customer["email"].split("@")[0])
    return [value for value in values if len(value) >= 4]


def make_orders(store, count=None, start=1000):
    count = len(CUSTOMERS) if count is None else count
    orders = []
    now = timezone.now()
    for index in range(count):
        customer = CUSTOMERS[index % len(CUSTOMERS)]
        first, _, last = customer["name"].partition(" ")
        address = {
            "first_name": first,
            "last_name": last,
            "company": "",
            "address_1": customer["address"],
            "address_2": "",
            "city": customer["city"],
            "postcode": "6100001",
            "country": "IL",
            "email": customer["email"],
            "phone": customer["phone"],
        }
        orders.append(
            Order(
                store=store,
                woo_id=start + index,
                number=str(start + index),
                status=("processing", "completed", "on-hold")[index % 3],
                total=Decimal("129.90") + index,
                currency="ILS",
                customer_name=customer["name"],
                customer_email=customer["email"],
                customer_phone=customer["phone"],
                customer_note=f"Please call {customer['phone']} before delivery",
                billing=address,
                shipping={key: value for key, value in address.items() if key not in ("email", "phone")},
                line_items=[{"name": "Blue mug", "quantity": 1, "total": "129.90"}],
                woo_created_at=now - timedelta(hours=index),
            )
        )
    return Order.objects.bulk_create(orders)
