"""STUB — to be replaced by the strawberry schema."""

import strawberry
from strawberry.fastapi import GraphQLRouter


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "stub"


def graphql_router(services) -> GraphQLRouter:
    return GraphQLRouter(strawberry.Schema(query=Query))
