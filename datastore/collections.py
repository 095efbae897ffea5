"""Collection names, in one place."""

USERS = "users"
CAMPUSES = "campuses"
COURSES = "courses"
SESSIONS = "sessions"
ENROLLMENTS = "enrollments"
REVIEWS = "reviews"
REFRESH_TOKENS = "refreshTokens"
LOGIN_FAILURES = "loginFailures"
REVOKED_TOKEN_FAMILIES = "revokedTokenFamilies"  # noqa: S105 - a collection name
SIGN_UP_ATTEMPTS = "signUpAttempts"
SEAT_CLAIMS = "seatClaims"
CAPACITY_CHANGES = "capacityChanges"
PERSISTED_QUERIES = "persistedQueries"

ALL = (
    USERS,
    CAMPUSES,
    COURSES,
    SESSIONS,
    ENROLLMENTS,
    REVIEWS,
    REFRESH_TOKENS,
    LOGIN_FAILURES,
    REVOKED_TOKEN_FAMILIES,
    SIGN_UP_ATTEMPTS,
    SEAT_CLAIMS,
    CAPACITY_CHANGES,
    PERSISTED_QUERIES,
)
