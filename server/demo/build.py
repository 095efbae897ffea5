"""Deterministic demo data: the same seed on the same day gives the same documents."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bson import ObjectId

from datastore.search_terms import index_terms
from server.demo.catalogue import (
    CAMPUSES,
    COURSES,
    FIRST_NAMES,
    LAST_NAMES,
    REVIEW_COMMENTS,
)

DEMO_PASSWORD = "leeto-demo-password"  # noqa: S105 - printed by `leeto seed` on purpose
DEMO_STUDENT = "student@leeto.dev"
DEMO_INSTRUCTOR = "instructor@leeto.dev"
DEMO_ADMIN = "admin@leeto.dev"

INSTRUCTORS = 12
STUDENTS = 60
UNPUBLISHED = 4


@dataclass
class DemoUser:
    """A user before secrets are applied: the writer hashes and encrypts."""

    doc: dict[str, Any]
    email: str
    phone: str
    national_id: str
    date_of_birth: date


@dataclass
class DemoData:
    campuses: list[dict[str, Any]] = field(default_factory=list)
    users: list[DemoUser] = field(default_factory=list)
    courses: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    enrollments: list[dict[str, Any]] = field(default_factory=list)
    seat_claims: list[dict[str, Any]] = field(default_factory=list)
    # Each enrolment's status as the seat claims make it (statuses are derived, not stored).
    statuses: dict[ObjectId, str] = field(default_factory=dict)
    # (course, student) pairs left without a review, so the demo has one to write.
    keep_unreviewed: set[tuple[ObjectId, ObjectId]] = field(default_factory=set)
    reviews: list[dict[str, Any]] = field(default_factory=list)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower().replace("#", "sharp")).strip("-")


def luhn_check_digit(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return (10 - total % 10) % 10


def _sa_id(rng: random.Random, born: date) -> str:
    body = f"{born:%y%m%d}{rng.randint(0, 9999):04d}0{rng.randint(8, 9)}"
    return body + str(luhn_check_digit(body))


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def new(self) -> ObjectId:
        return ObjectId(bytes(self.rng.getrandbits(8) for _ in range(12)))


def _stamp(doc: dict[str, Any], when: datetime) -> dict[str, Any]:
    doc["createdAt"] = when
    doc["updatedAt"] = when
    return doc


def build_demo(seed: int = 42, *, today: date | None = None) -> DemoData:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    ids = _Ids(rng)
    day = today or datetime.now(UTC).date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    data = DemoData()

    for name, city, province, address in CAMPUSES:
        doc = {"_id": ids.new(), "name": name, "city": city, "province": province}
        data.campuses.append(_stamp({**doc, "address": address}, midnight - timedelta(days=900)))

    _build_users(data, rng, ids, midnight)
    instructors = [u for u in data.users if "INSTRUCTOR" in u.doc["roles"]]
    students = [u for u in data.users if u.doc["roles"] == ["STUDENT"]]
    _build_courses(data, rng, ids, midnight, instructors)
    _build_sessions(data, rng, ids, midnight)
    _build_enrollments(data, rng, ids, midnight, students)
    demo_student = next(u for u in data.users if u.email == DEMO_STUDENT)
    _give_demo_student_a_timetable(data, ids, midnight, demo_student.doc["_id"])
    _build_reviews(data, rng, ids, midnight)
    return data


def _build_users(data: DemoData, rng: random.Random, ids: _Ids, midnight: datetime) -> None:
    cities = [c["city"] for c in data.campuses]
    specials = {0: (DEMO_ADMIN, ["ADMIN"]), 1: (DEMO_INSTRUCTOR, ["INSTRUCTOR"])}
    specials[INSTRUCTORS + 1] = (DEMO_STUDENT, ["STUDENT"])
    for i in range(1 + INSTRUCTORS + STUDENTS):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        roles = ["INSTRUCTOR"] if 1 <= i <= INSTRUCTORS else ["STUDENT"]
        local = f"{first}.{last}".lower().replace(" ", "")
        email = f"{local}.{i}@example.co.za"
        if i in specials:
            email, roles = specials[i]
        born = date(rng.randint(1968, 2005), rng.randint(1, 12), rng.randint(1, 28))
        city = rng.choice(cities)
        role_word = "Instructor" if "INSTRUCTOR" in roles else "Learner"
        doc = {
            "_id": ids.new(),
            "roles": roles,
            "displayName": f"{first} {last}",
            "bio": f"{role_word} based in {city}.",
            "city": city,
        }
        phone = f"+278{rng.randint(1, 4)}{rng.randint(0, 9999999):07d}"
        data.users.append(
            DemoUser(
                doc=_stamp(doc, midnight - timedelta(days=rng.randint(30, 700))),
                email=email,
                phone=phone,
                national_id=_sa_id(rng, born),
                date_of_birth=born,
            )
        )


def _build_courses(
    data: DemoData,
    rng: random.Random,
    ids: _Ids,
    midnight: datetime,
    instructors: list[DemoUser],
) -> None:
    flat = [(track, *entry) for track, entries in COURSES.items() for entry in entries]
    unpublished = set(rng.sample(range(len(flat)), UNPUBLISHED))
    for n, (track, title, level, tags) in enumerate(flat):
        track_words = track.replace("_", " ").lower()
        summary = f"A {level.lower()} {track_words} course: {', '.join(tags[:3])}, hands on."
        description = (
            f"{title} is taught by working practitioners over live sessions with labs, "
            f"code reviews and a capstone project. Topics: {', '.join(tags)}. "
            "Sessions run in virtual classrooms and at our campuses across South Africa."
        )
        teachers = rng.sample(instructors, k=rng.randint(1, 2))
        price = {"BEGINNER": 2500, "INTERMEDIATE": 6500, "ADVANCED": 12000}[level]
        doc = {
            "_id": ids.new(),
            "slug": _slug(title),
            "title": title,
            "summary": summary,
            "description": description,
            "track": track,
            "level": level,
            "tags": tags,
            "instructorIds": [t.doc["_id"] for t in teachers],
            "priceCents": (price + rng.randint(0, 40) * 100) * 100,
            "durationHours": rng.choice([12, 16, 24, 32, 40]),
            "published": n not in unpublished,
            "ratingCount": 0,
            "ratingSum": 0,
            "ratingAverage": 0.0,
            "searchTerms": index_terms([title, summary, *tags]),
        }
        data.courses.append(_stamp(doc, midnight - timedelta(days=rng.randint(1, 600))))


def _build_sessions(data: DemoData, rng: random.Random, ids: _Ids, midnight: datetime) -> None:
    for course in data.courses:
        for _ in range(rng.randint(4, 7)):
            start = midnight + timedelta(days=rng.randint(-180, 150), hours=rng.choice([8, 9, 17]))
            in_person = rng.random() < 0.5
            campus = rng.choice(data.campuses) if in_person else None
            doc = {
                "_id": ids.new(),
                "courseId": course["_id"],
                "mode": "IN_PERSON" if in_person else "VIRTUAL",
                "campusId": campus["_id"] if campus else None,
                "startsAt": start,
                "endsAt": start + timedelta(days=rng.choice([2, 5, 12, 26]), hours=3),
                "capacity": rng.choice([8, 12, 16, 20, 25, 30]),
                "instructorId": rng.choice(course["instructorIds"]),
                "meetingUrl": None if in_person else f"https://meet.leeto.dev/{ids.new()}",
            }
            data.sessions.append(_stamp(doc, min(start, midnight) - timedelta(days=30)))


def _build_enrollments(
    data: DemoData,
    rng: random.Random,
    ids: _Ids,
    midnight: datetime,
    students: list[DemoUser],
) -> None:
    for session in data.sessions:
        upcoming = session["startsAt"] > midnight
        fill = rng.random()
        if upcoming and fill < 0.15:  # full, with a waitlist
            active, waitlisted = session["capacity"], rng.randint(1, 4)
        elif upcoming and fill < 0.25:  # exactly full
            active, waitlisted = session["capacity"], 0
        else:
            active, waitlisted = rng.randint(0, max(0, session["capacity"] - 2)), 0
        people = rng.sample(students, k=min(len(students), active + waitlisted))
        seat = 0
        for n, student in enumerate(people):
            if n < active:
                status = "ACTIVE" if upcoming else rng.choice(["COMPLETED"] * 5 + ["CANCELLED"])
            else:
                status = "WAITLISTED"
            enrolled = session["createdAt"] + timedelta(days=n % 20, minutes=n)
            doc = {
                "_id": ids.new(),
                "sessionId": session["_id"],
                "userId": student.doc["_id"],
                "attempt": 1,
            }
            if status == "CANCELLED":
                doc["cancelledAt"] = enrolled + timedelta(days=1)
                doc["cancelReason"] = "CANCELLED_BY_USER"
            data.enrollments.append(_stamp(doc, enrolled))
            data.statuses[doc["_id"]] = status
            if status in {"ACTIVE", "COMPLETED"}:
                seat += 1
                data.seat_claims.append(_seat_claim(session["_id"], seat, doc["_id"], enrolled))


def _give_demo_student_a_timetable(
    data: DemoData, ids: _Ids, midnight: datetime, student: ObjectId
) -> None:
    """Whoever logs in as the demo student finds a seat in an upcoming session, a
    place on a waitlist and a finished course to review."""
    published = {c["_id"] for c in data.courses if c["published"]}
    seats: dict[ObjectId, int] = {}
    for claim in data.seat_claims:
        seats[claim["sessionId"]] = max(seats.get(claim["sessionId"], 0), claim["seat"])
    waiting = {e["sessionId"] for e in data.enrollments if data.statuses[e["_id"]] == "WAITLISTED"}
    mine = {e["sessionId"] for e in data.enrollments if e["userId"] == student}
    candidates = [s for s in data.sessions if s["courseId"] in published and s["_id"] not in mine]
    upcoming = [s for s in candidates if s["startsAt"] > midnight + timedelta(days=7)]
    past = [s for s in candidates if s["endsAt"] < midnight]
    wanted = [
        ("WAITLISTED", next(s for s in upcoming if s["_id"] in waiting)),
        ("ACTIVE", next(s for s in upcoming if seats.get(s["_id"], 0) < s["capacity"] - 1)),
        ("COMPLETED", past[0]),
    ]
    for status, session in wanted:
        when = session["createdAt"] + timedelta(days=25)
        doc = {"_id": ids.new(), "sessionId": session["_id"], "userId": student, "attempt": 1}
        data.enrollments.append(_stamp(doc, when))
        data.statuses[doc["_id"]] = status
        if status != "WAITLISTED":
            seat = seats.get(session["_id"], 0) + 1
            data.seat_claims.append(_seat_claim(session["_id"], seat, doc["_id"], when))
        if status == "COMPLETED":
            data.keep_unreviewed.add((session["courseId"], student))


def _seat_claim(
    session_id: ObjectId, seat: int, holder: ObjectId, when: datetime
) -> dict[str, Any]:
    """A first-generation claim of a seat, as `datastore.seating` writes them."""
    return {
        "_id": f"{session_id}:{seat}:1",
        "sessionId": session_id,
        "seat": seat,
        "gen": 1,
        "kind": "SEAT",
        "holderId": holder,
        "delta": 1,
        "createdAt": when,
    }


def _build_reviews(data: DemoData, rng: random.Random, ids: _Ids, midnight: datetime) -> None:
    yesterday = midnight - timedelta(days=1)
    session_course = {s["_id"]: s["courseId"] for s in data.sessions}
    session_end = {s["_id"]: s["endsAt"] for s in data.sessions}
    courses = {c["_id"]: c for c in data.courses}
    seen: set[tuple[ObjectId, ObjectId]] = set()
    for enrollment in data.enrollments:
        if data.statuses[enrollment["_id"]] != "COMPLETED" or rng.random() > 0.45:
            continue
        course_id = session_course[enrollment["sessionId"]]
        key = (course_id, enrollment["userId"])
        if key in seen or key in data.keep_unreviewed:
            continue
        seen.add(key)
        rating = rng.choices([5, 4, 3, 2, 1], weights=[40, 35, 14, 8, 3])[0]
        ended = session_end[enrollment["sessionId"]] + timedelta(days=rng.randint(1, 10))
        written = min(ended, yesterday)
        doc = {
            "_id": ids.new(),
            "courseId": course_id,
            "authorId": enrollment["userId"],
            "rating": rating,
            "comment": rng.choice(REVIEW_COMMENTS[rating]),
        }
        data.reviews.append(_stamp(doc, written))
        course = courses[course_id]
        course["ratingCount"] += 1
        course["ratingSum"] += rating
        course["ratingAverage"] = round(course["ratingSum"] / course["ratingCount"], 4)
