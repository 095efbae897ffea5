"""Two real `leeto serve` processes sharing a real redis-server share one budget."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import with_database
from tests.serving import serve_env, serving_process

COURSES_30 = "query Courses { courses(first: 30) { edges { node { id } } } }"  # costs 90


def test_two_servers_share_one_budget_through_redis(
    mongo_uri: str, fresh_db_name: str, redis_url: str, data_dir: Path
) -> None:
    env = serve_env(
        with_database(mongo_uri, fresh_db_name),
        data_dir,  # the run's master key, which wraps the shared key vault
        LEETO_REDIS_URL=redis_url,
        LEETO_RATE_LIMIT_POINTS="250",
        LEETO_MAX_QUERY_COST="100",
    )
    with serving_process(env) as first, serving_process(env) as second:
        one, two = first.url, second.url

        def post(base_url: str, query: str = COURSES_30) -> httpx.Response:
            return httpx.post(f"{base_url}/graphql", json={"query": query})

        assert post(one).headers["X-RateLimit-Used"] == "90"
        assert post(two).headers["X-RateLimit-Used"] == "180"
        for base_url in (one, two):
            refused = post(base_url)
            assert refused.status_code == 429
            assert refused.headers["X-RateLimit-Remaining"] == "70"
            assert int(refused.headers["Retry-After"]) > 0
        cheap = post(two, "query Campuses { campuses { id } }")
        assert cheap.status_code == 200
        assert cheap.headers["X-RateLimit-Used"] == "181"
        assert post(one).headers["X-RateLimit-Limit"] == "250"
