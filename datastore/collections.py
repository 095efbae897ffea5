"""Collection names, in one place."""

USERS = "users"
CAMPUSES = "campuses"
COURSES = "courses"
SESSIONS = "sessions"
ENROLLMENTS = "enrollments"
REVIEWS = "reviews"
REFRESH_TOKENS = "refreshTokens"
LOGIN_FAILURES = "loginFailures"

ALL = (USERS, CAMPUSES, COURSES, SESSIONS, ENROLLMENTS, REVIEWS, REFRESH_TOKENS, LOGIN_FAILURES)
