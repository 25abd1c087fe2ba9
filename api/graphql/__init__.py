"""GraphQL reads at /graphql: cases from the read models; history and past states by replaying events.

Every query needs a bearer token, as REST commands do; only the GraphiQL page itself is served
without one (set the Authorization header in its headers tab). Each module here contributes one
group of query fields; `schema` merges them into the one Query type.
"""

from collections.abc import Iterator
from typing import Any

import strawberry
from fastapi import Request
from fastapi.security import HTTPBearer
from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.fastapi import GraphQLRouter
from strawberry.tools import merge_types

from api.auth import current_user
from api.bootstrap import Services
from api.graphql.access import AccessQueries
from api.graphql.capa import CapaQueries
from api.graphql.cases import CaseQueries
from api.graphql.context import QueryRefused, ReadContext
from api.graphql.equipment import EquipmentQueries
from api.graphql.history import HistoryQueries
from api.graphql.inspections import InspectionQueries
from api.graphql.integrity import IntegrityQueries
from api.graphql.kpi import KpiQueries
from api.graphql.objections import ObjectionQueries
from api.graphql.returns import ReturnQueries
from api.graphql.shipments import ShipmentQueries
from api.graphql.supervision import SupervisionQueries
from api.graphql.user_file import UserFileQueries
from application.errors import NotAllowed

_bearer = HTTPBearer(auto_error=False)

Query = merge_types(
    "Query",
    (
        CaseQueries,
        HistoryQueries,
        IntegrityQueries,
        AccessQueries,
        ShipmentQueries,
        CapaQueries,
        ObjectionQueries,
        InspectionQueries,
        SupervisionQueries,
        EquipmentQueries,
        ReturnQueries,
        UserFileQueries,
        KpiQueries,
    ),
)


def _asks_for_graphiql(request: Request) -> bool:
    # The same test strawberry uses to serve the GraphiQL page instead of running a query.
    accept = request.headers.get("accept", "")
    return (
        request.method == "GET"
        and request.query_params.get("query") is None
        and ("text/html" in accept or "*/*" in accept)
    )


def _context_getter(services: Services) -> Any:
    async def read_context(request: Request) -> ReadContext:
        if _asks_for_graphiql(request):
            return ReadContext(services, user=None)
        credentials = await _bearer(request)
        # The REST rule, to the letter: 401 without a known, unrevoked token.
        user = await run_in_threadpool(current_user, request, credentials)
        return ReadContext(services, user, request_id=request.scope.get("state", {}).get("request_id"))

    return read_context


def _is_unexpected(error: GraphQLError) -> bool:
    # Syntax and validation errors, and refusals, help the client; anything else may leak internals.
    original = error.original_error
    return original is not None and not isinstance(original, QueryRefused | NotAllowed)


class RefusalsAreForbidden(SchemaExtension):
    """A read the gate refused answers HTTP 403, its message kept, with `extensions.code = FORBIDDEN`.

    Like REST's 403, so that clients and proxies see a refusal for what it is; any data the other
    fields of the query produced still comes along.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None) or []
        refusals = [e for e in errors if isinstance(e.original_error, NotAllowed)]
        for error in refusals:
            error.extensions = {**(error.extensions or {}), "code": "FORBIDDEN"}
        response = getattr(self.execution_context.context, "response", None)
        if refusals and response is not None:
            response.status_code = 403


# Clients send the same few queries over and over: parsing and validating each anew was most of a
# read's CPU. Both caches live at module level in strawberry, shared by the per-request instances.
QUERY_CACHE_SIZE = 512

schema = strawberry.Schema(
    query=Query,
    extensions=[
        lambda: ParserCache(maxsize=QUERY_CACHE_SIZE),
        lambda: ValidationCache(maxsize=QUERY_CACHE_SIZE),
        lambda: MaskErrors(should_mask_error=_is_unexpected),
        RefusalsAreForbidden,
    ],
)


def graphql_router(services: Services) -> GraphQLRouter:
    return GraphQLRouter(schema, context_getter=_context_getter(services), graphql_ide="graphiql")
