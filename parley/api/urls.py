"""The versioned REST API at /api/v1/ (django-ninja); every domain adds a router here."""

from ninja import NinjaAPI

from parley.api.accounts import router as accounts_router
from parley.api.auth import TokenAuth
from parley.api.calls import router as calls_router
from parley.api.compose import router as compose_router
from parley.api.contacts import router as contacts_router
from parley.api.conversations import router as conversations_router
from parley.api.crm_records import router as crm_records_router
from parley.api.leads import router as leads_router
from parley.api.search import router as search_router

api = NinjaAPI(
    title="Parley API",
    version="1",
    description="Token authentication: `Authorization: Bearer <token>` (create one in "
    "Settings → API tokens or with `parley token create --user EMAIL`).",
    auth=TokenAuth(),
    urls_namespace="api",
)
api.add_router("/", accounts_router)
api.add_router("/", contacts_router)
api.add_router("/", crm_records_router)
api.add_router("/", conversations_router)
api.add_router("/", leads_router)
api.add_router("/", calls_router)
api.add_router("/", search_router)
api.add_router("/", compose_router)
api.add_router("/", "parley.api.triage.router")
