"""One registry of node types serves `node`, `nodes`, global IDs and the schema."""

from __future__ import annotations

from bson import ObjectId
from graphql import GraphQLObjectType
from starlette.testclient import TestClient

from resolvers.global_ids import to_global_id
from schema.build import build_schema
from schema.node_registry import NODE_TYPES
from tests.graphql_client import gql


def test_the_schemas_node_types_are_the_registry() -> None:
    schema = build_schema()._schema
    implementing = {
        name
        for name, graphql_type in schema.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType)
        and any(interface.name == "Node" for interface in graphql_type.interfaces)
    }
    assert implementing == set(NODE_TYPES)


def test_a_global_id_of_an_unregistered_type_is_bad_input(seeded_client: TestClient) -> None:
    query = "query($id: ID!) { node(id: $id) { id } }"
    for type_name in ("PageInfo", "Mutation", ""):
        body = gql(seeded_client, query, {"id": to_global_id(type_name, ObjectId())})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


def test_every_registered_type_resolves_through_node(seeded_client: TestClient) -> None:
    query = "query($id: ID!) { node(id: $id) { __typename } }"
    for type_name in NODE_TYPES:
        # An unknown id of a known type: null, no error.
        body = gql(seeded_client, query, {"id": to_global_id(type_name, ObjectId())})
        assert body == {"data": {"node": None}}, (type_name, body)
