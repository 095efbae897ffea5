"""More demo data: copies of the demo catalogue, each under its own names.

`leeto seed --scale N` writes the demo data and N-1 more copies, each built
from its own random seed (so its ids differ) and relabelled where a field must
be unique or should be told apart: course slugs and titles, campus names,
e-mail addresses.
"""

from __future__ import annotations

from datastore.search_terms import index_terms
from server.demo.build import DemoData, build_demo

MAX_SCALE = 100


def demo_copy(seed: int, number: int) -> DemoData:
    """Copy `number` (2, 3, …) of the demo data, relabelled to sit beside the others."""
    data = build_demo(seed + number - 1)
    tag = f"c{number}"
    for campus in data.campuses:
        campus["name"] = f"{campus['name']} {number}"
    for course in data.courses:
        course["slug"] = f"{course['slug']}-{tag}"
        course["title"] = f"{course['title']} ({number})"
        course["searchTerms"] = index_terms([course["title"], course["summary"], *course["tags"]])
    for user in data.users:
        user.email = f"{tag}.{user.email}"
    return data
