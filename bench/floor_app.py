"""The floor: what each scenario costs with no GraphQL at all.

A minimal Starlette app that sends exactly the MongoDB commands Leeto sends for
each operation (as counted on the wire by `bench.wire`), shapes the same JSON
by hand and writes it with orjson. For reads the harness checks its `data`
equals Leeto's; for the writes (`bench.floor_writes`: log-in, enrol, cancel)
that its answers and what it stored are equivalent. The difference between the
two is then what GraphQL and Leeto's layers cost, not different work. Seat
statuses come from `datastore.seating` (plain functions: the floor needs the
same rule, not a second copy of it).

Run by `bench.harness` as `uvicorn bench.floor_app:app` with the environment
Leeto is given (MONGODB_URI and the LEETO_* settings: signing key, master key,
argon2 costs).
"""

from __future__ import annotations

import asyncio
import base64
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import jwt
import orjson
from bson import ObjectId
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.floor_writes import FloorWrites
from datastore.client import Client, open_client
from datastore.seating import Seating, SeatingStatus
from live.broker import InProcessBroker
from server.background import Background
from server.security import cipher_from, kms_from
from server.settings import Settings

Doc = dict[str, Any]
BATCH = 100_000  # one reply per command, as Leeto's loaders ask


def gid(type_name: str, object_id: ObjectId) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{object_id}".encode()).decode().rstrip("=")


def title_cursor(doc: Doc) -> str:
    raw = orjson.dumps(["course:title", ["s", doc["title"]], str(doc["_id"])])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def when(value: datetime) -> str:
    return value.isoformat()


class Floor:
    def __init__(self, client: Client, database: str, public_key: Any) -> None:
        self.db = client[database]
        self.public_key = public_key

    async def _by_ids(self, collection: str, field: str, ids: Iterable[Any]) -> dict[Any, Doc]:
        wanted = list(set(ids))
        if not wanted:  # a loader asked for nothing sends nothing
            return {}
        cursor = self.db[collection].find({field: {"$in": wanted}}).batch_size(BATCH)
        return {doc[field]: doc async for doc in cursor}

    async def _children(
        self, collection: str, parents: list[ObjectId], sort: list[tuple[str, int]]
    ) -> dict[ObjectId, list[Doc]]:
        query = {"courseId": {"$in": sorted(set(parents))}}
        cursor = self.db[collection].find(query).sort(sort).batch_size(BATCH)
        grouped: dict[ObjectId, list[Doc]] = defaultdict(list)
        async for doc in cursor:
            grouped[doc["courseId"]].append(doc)
        return grouped

    async def _seats_taken(self, session_ids: list[ObjectId]) -> dict[ObjectId, int]:
        if not session_ids:
            return {}
        pipeline = [
            {"$match": {"sessionId": {"$in": list(set(session_ids))}}},
            {"$group": {"_id": "$sessionId", "n": {"$sum": "$delta"}}},
        ]
        cursor = await self.db["seatClaims"].aggregate(pipeline, batchSize=BATCH)
        return {row["_id"]: int(row["n"]) async for row in cursor}

    async def courses_with_children(
        self, courses: list[Doc], sessions_first: int, reviews_first: int
    ) -> list[Doc]:
        """Courses with instructors, sessions and reviews: the catalogue's and the
        course page's shared shape, in the commands Leeto's loaders send."""
        ids = [c["_id"] for c in courses]
        teacher_ids = {i for c in courses for i in c.get("instructorIds", [])}
        teachers, sessions, reviews = await asyncio.gather(
            self._by_ids("users", "_id", teacher_ids),
            self._children("sessions", ids, [("startsAt", 1), ("_id", 1)]),
            self._children("reviews", ids, [("createdAt", -1), ("_id", -1)]),
        )
        shown_sessions = {c["_id"]: sessions[c["_id"]][:sessions_first] for c in courses}
        shown_reviews = {c["_id"]: reviews[c["_id"]][:reviews_first] for c in courses}
        session_list = [s for page in shown_sessions.values() for s in page]
        people = {s["instructorId"] for s in session_list}
        people |= {r["authorId"] for page in shown_reviews.values() for r in page}
        # Users already asked for (as instructors) are not asked for again, as a
        # DataLoader's cache would have them.
        taken, campuses, users = await asyncio.gather(
            self._seats_taken([s["_id"] for s in session_list]),
            self._by_ids("campuses", "_id", (s["campusId"] for s in session_list if s["campusId"])),
            self._by_ids("users", "_id", people - teacher_ids),
        )
        users.update(teachers)

        def user(doc: Doc | None, *extra: str) -> Doc | None:
            if doc is None:
                return None
            out = {"id": gid("User", doc["_id"]), "displayName": doc["displayName"]}
            for name in extra:
                out[name] = doc.get(name, "")
            return out

        def campus(campus_id: ObjectId | None) -> Doc | None:
            doc = campuses.get(campus_id) if campus_id else None
            if doc is None:
                return None
            return {"id": gid("Campus", doc["_id"]), "name": doc["name"], "city": doc["city"]}

        def session(doc: Doc) -> Doc:
            left = 0
            if doc.get("cancelledAt") is None:
                left = max(0, int(doc["capacity"]) - taken.get(doc["_id"], 0))
            return {
                "id": gid("Session", doc["_id"]),
                "mode": doc["mode"],
                "startsAt": when(doc["startsAt"]),
                "endsAt": when(doc["endsAt"]),
                "capacity": int(doc["capacity"]),
                "seatsLeft": left,
                "campus": campus(doc.get("campusId")),
                "instructor": user(users.get(doc["instructorId"])),
            }

        def review(doc: Doc) -> Doc:
            return {
                "id": gid("Review", doc["_id"]),
                "rating": int(doc["rating"]),
                "comment": doc.get("comment", ""),
                "createdAt": when(doc["createdAt"]),
                "author": user(users.get(doc["authorId"])),
            }

        shaped = []
        for course in courses:
            count = int(course.get("ratingCount", 0))
            shaped.append(
                {
                    "course": course,
                    "id": gid("Course", course["_id"]),
                    "ratingAverage": round(course["ratingSum"] / count, 2) if count else None,
                    "reviewCount": count,
                    "instructors": [
                        teachers[i] for i in course.get("instructorIds", []) if i in teachers
                    ],
                    "sessions": [session(s) for s in shown_sessions[course["_id"]]],
                    "reviews": [review(r) for r in shown_reviews[course["_id"]]],
                    "user": user,
                }
            )
        return shaped

    async def catalogue(self, first: int) -> Doc:
        cursor = self.db["courses"].find({"published": True})
        cursor = cursor.sort([("title", 1), ("_id", 1)]).limit(first + 1).batch_size(first + 1)
        found = await cursor.to_list()
        page = found[:first]
        edges = []
        for c in await self.courses_with_children(page, 5, 3):
            course, user = c["course"], c["user"]
            node = {
                "id": c["id"],
                "slug": course["slug"],
                "title": course["title"],
                "track": course["track"],
                "level": course["level"],
                "priceCents": int(course["priceCents"]),
                "ratingAverage": c["ratingAverage"],
                "reviewCount": c["reviewCount"],
                "instructors": [user(t) for t in c["instructors"]],
                "sessions": {"edges": [{"node": s} for s in c["sessions"]]},
                "reviews": {
                    "edges": [
                        {"node": {k: v for k, v in r.items() if k != "createdAt"}}
                        for r in c["reviews"]
                    ]
                },
            }
            for s in node["sessions"]["edges"]:
                s["node"]["campus"] = s["node"]["campus"] and {
                    k: v for k, v in s["node"]["campus"].items() if k != "name"
                }
            edges.append({"cursor": title_cursor(course), "node": node})
        info = {
            "hasNextPage": len(found) > first,
            "endCursor": edges[-1]["cursor"] if edges else None,
        }
        return {"courses": {"pageInfo": info, "edges": edges}}

    async def course(self, slug: str) -> Doc:
        found = await self._by_ids("courses", "slug", [slug])
        course = found.get(slug)
        if course is None or not course.get("published") or course.get("archivedAt"):
            return {"course": None}
        [c] = await self.courses_with_children([course], 20, 10)
        user = c["user"]
        return {
            "course": {
                "id": c["id"],
                "slug": course["slug"],
                "title": course["title"],
                "summary": course.get("summary", ""),
                "description": course.get("description", ""),
                "track": course["track"],
                "level": course["level"],
                "tags": list(course.get("tags", [])),
                "priceCents": int(course["priceCents"]),
                "durationHours": int(course.get("durationHours", 0)),
                "ratingAverage": c["ratingAverage"],
                "reviewCount": c["reviewCount"],
                "instructors": [user(t, "bio") for t in c["instructors"]],
                "sessions": {"edges": [{"node": s} for s in c["sessions"]]},
                "reviews": {"edges": [{"node": r} for r in c["reviews"]]},
            }
        }

    def viewer_id(self, authorization: str | None) -> ObjectId | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        claims = jwt.decode(
            authorization.removeprefix("Bearer "),
            self.public_key,
            algorithms=["EdDSA"],
            audience="leeto-api",
            issuer="leeto",
        )
        return ObjectId(claims["sub"])

    async def dashboard(self, viewer: ObjectId | None) -> Doc:
        if viewer is None:
            return {"viewer": None}
        found = await self._by_ids("users", "_id", [viewer])
        me = found.get(viewer)
        if me is None:
            return {"viewer": None}
        cursor = self.db["enrollments"].find({"userId": viewer})
        mine = await cursor.sort([("createdAt", -1), ("_id", -1)]).batch_size(BATCH).to_list()
        session_ids = list({doc["sessionId"] for doc in mine})
        if not session_ids:
            return self._viewer(me, [])
        sessions = await self._by_ids("sessions", "_id", session_ids)
        claims_cursor = self.db["seatClaims"].find({"sessionId": {"$in": session_ids}})
        claims: dict[ObjectId, list[Doc]] = defaultdict(list)
        async for claim in claims_cursor.batch_size(BATCH):
            claims[claim["sessionId"]].append(claim)
        listed = self.db["enrollments"].find({"sessionId": {"$in": session_ids}})
        classes: dict[ObjectId, list[Doc]] = defaultdict(list)
        async for doc in listed.batch_size(BATCH):
            classes[doc["sessionId"]].append(doc)
        seating = {
            sid: Seating(capacity=int(s["capacity"]), enrollments=classes[sid], claims=claims[sid])
            for sid, s in sessions.items()
        }
        shown = [doc for doc in mine if doc["sessionId"] in sessions]
        shown.sort(key=lambda d: (d["createdAt"], d["_id"]), reverse=True)
        shown = shown[:20]
        courses = await self._by_ids(
            "courses", "_id", {sessions[d["sessionId"]]["courseId"] for d in shown}
        )
        now = datetime.now(UTC)
        edges = []
        for doc in shown:
            session = sessions[doc["sessionId"]]
            status = seating[session["_id"]].status.get(doc["_id"], SeatingStatus.WAITLISTED).value
            if status == "ACTIVE" and session["endsAt"] <= now:
                status = "COMPLETED"
            course = courses.get(session["courseId"])
            public = course is not None and course.get("published") and not course.get("archivedAt")
            edges.append(
                {
                    "node": {
                        "id": gid("Enrollment", doc["_id"]),
                        "status": status,
                        "createdAt": when(doc["createdAt"]),
                        "session": {
                            "id": gid("Session", session["_id"]),
                            "mode": session["mode"],
                            "startsAt": when(session["startsAt"]),
                            "endsAt": when(session["endsAt"]),
                            "course": {
                                "id": gid("Course", course["_id"]),
                                "slug": course["slug"],
                                "title": course["title"],
                            }
                            if course is not None and public
                            else None,
                        },
                    }
                }
            )
        return self._viewer(me, edges)

    def _viewer(self, me: Doc, edges: list[Doc]) -> Doc:
        return {
            "viewer": {
                "id": gid("User", me["_id"]),
                "displayName": me["displayName"],
                "enrollments": {"edges": edges},
            }
        }


def _json(data: Doc) -> Response:
    return Response(orjson.dumps({"data": data}), media_type="application/json")


async def catalogue(request: Request) -> Response:
    body = orjson.loads(await request.body())
    return _json(await request.app.state.floor.catalogue(int(body["first"])))


async def course(request: Request) -> Response:
    body = orjson.loads(await request.body())
    return _json(await request.app.state.floor.course(str(body["slug"])))


async def dashboard(request: Request) -> Response:
    floor: Floor = request.app.state.floor
    viewer = floor.viewer_id(request.headers.get("authorization"))
    return _json(await floor.dashboard(viewer))


async def log_in(request: Request) -> Response:
    body = orjson.loads(await request.body())
    address = request.client.host if request.client else "unknown"
    writes: FloorWrites = request.app.state.writes
    return _json(await writes.log_in(str(body["email"]), str(body["password"]), address))


def _viewer_or_401(request: Request) -> ObjectId | Response:
    viewer = request.app.state.floor.viewer_id(request.headers.get("authorization"))
    return Response(status_code=401) if viewer is None else viewer


async def enrol(request: Request) -> Response:
    return await _as_viewer(request, "session", request.app.state.writes.enrol)


async def cancel(request: Request) -> Response:
    return await _as_viewer(request, "enrollment", request.app.state.writes.cancel)


async def _as_viewer(
    request: Request, argument: str, write: Callable[[ObjectId, str], Awaitable[Doc]]
) -> Response:
    viewer = _viewer_or_401(request)
    if isinstance(viewer, Response):
        return viewer
    body = orjson.loads(await request.body())
    return _json(await write(viewer, str(body[argument])))


async def ready(_request: Request) -> Response:
    return Response("ok")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # Leeto's settings, from the environment Leeto is given: the same argon2
    # costs, signing key, master key, token lifetimes and throttling.
    settings = Settings()
    assert settings.jwt_private_key_file is not None, "LEETO_JWT_PRIVATE_KEY_FILE is required"
    key = load_pem_private_key(settings.jwt_private_key_file.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    client = open_client(settings.database_uri())
    db = client[settings.database_name]
    master_key = kms_from(settings)
    cipher = cipher_from(settings, client, master_key)
    await cipher.ensure_ready()
    # The notice jobs run here as they run in Leeto's process (no Redis), with
    # a client of their own; no periodic schedule (the bench puts Leeto's a day apart).
    background = await Background.start(settings, master_key, schedule=False)
    events = InProcessBroker(max_queued=settings.subscription_queue_size)
    app.state.floor = Floor(client, settings.database_name, key.public_key())
    app.state.writes = FloorWrites(
        db, settings, signing_key=key, cipher=cipher, events=events, jobs=background.jobs
    )
    try:
        yield
    finally:
        app.state.writes.close()
        await background.close()
        await cipher.close()
        await events.close()
        await client.close()


app = Starlette(
    routes=[
        Route("/catalogue", catalogue, methods=["POST"]),
        Route("/course", course, methods=["POST"]),
        Route("/dashboard", dashboard, methods=["POST"]),
        Route("/log-in", log_in, methods=["POST"]),
        Route("/enrol", enrol, methods=["POST"]),
        Route("/cancel", cancel, methods=["POST"]),
        Route("/readyz", ready),
    ],
    lifespan=lifespan,
)
