"""Enumerations shared by the schema."""

from __future__ import annotations

from enum import Enum

import strawberry

from datastore.course import CourseOrder as StoredCourseOrder


@strawberry.enum(description="The subject area a course belongs to.")
class CourseTrack(Enum):
    CODING = "CODING"
    WEB_DEVELOPMENT = "WEB_DEVELOPMENT"
    CYBERSECURITY = "CYBERSECURITY"
    DATA_SCIENCE = "DATA_SCIENCE"
    CLOUD_COMPUTING = "CLOUD_COMPUTING"


@strawberry.enum(description="How much experience a course expects.")
class CourseLevel(Enum):
    BEGINNER = "BEGINNER"
    INTERMEDIATE = "INTERMEDIATE"
    ADVANCED = "ADVANCED"


@strawberry.enum(description="Where a session takes place.")
class SessionMode(Enum):
    VIRTUAL = "VIRTUAL"
    IN_PERSON = "IN_PERSON"


@strawberry.enum(description="What a user may do.")
class Role(Enum):
    STUDENT = "STUDENT"
    INSTRUCTOR = "INSTRUCTOR"
    ADMIN = "ADMIN"


@strawberry.enum(description="The state of a student's place in a session.")
class EnrollmentStatus(Enum):
    ACTIVE = "ACTIVE"
    WAITLISTED = "WAITLISTED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"


@strawberry.enum(description="Orderings of the course catalogue.")
class CourseOrder(Enum):
    TITLE = StoredCourseOrder.TITLE.value
    NEWEST = StoredCourseOrder.NEWEST.value
    PRICE_LOW_TO_HIGH = StoredCourseOrder.PRICE_LOW_TO_HIGH.value
    PRICE_HIGH_TO_LOW = StoredCourseOrder.PRICE_HIGH_TO_LOW.value
    RATING = StoredCourseOrder.RATING.value
