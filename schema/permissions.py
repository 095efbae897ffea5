"""Who may call what: Strawberry permission classes, and the check that a presented
access token is valid even where no field asks who the viewer is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from graphql import ExecutionResult, FieldNode, OperationType, get_operation_ast
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import ExecutionContext, Info

from resolvers import authorization
from resolvers import course_edits as resolve_course_edits
from resolvers import enrollment as resolve_enrollment
from resolvers import profile as resolve_profile
from resolvers import session as resolve_session
from resolvers.context import Context
from resolvers.errors import ErrorCode, Unauthenticated

__all__ = [
    "CREDENTIAL_MUTATIONS",
    "IsAdmin",
    "IsAuthenticated",
    "MayCreateCourse",
    "MayManageCourse",
    "RejectInvalidAccessToken",
    "admin_only",
    "course_creators",
    "course_managers",
    "login_required",
]

# Mutations that establish or end credentials. They ignore the access token,
# so a client whose token just expired can still refresh or log in again.
CREDENTIAL_MUTATIONS: Final = frozenset({"userSignUp", "userLogIn", "tokenRefresh", "userLogOut"})


class IsAuthenticated(BasePermission):
    message = "Log in to do this."
    error_extensions = {"code": ErrorCode.UNAUTHENTICATED.value}

    def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        # An invalid token raises Unauthenticated here, with its own message.
        return info.context.viewer() is not None


class IsAdmin(BasePermission):
    """The viewer's roles as stored now, so a demoted admin loses access at once."""

    message = "Only administrators may do this."
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}

    async def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        info.context.require_viewer()  # anonymous: UNAUTHENTICATED, not FORBIDDEN
        return await authorization.viewer_is_admin(info.context)


class MayCreateCourse(BasePermission):
    """Instructors and administrators (roles as stored now)."""

    message = "Only instructors and administrators may add courses."
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}

    async def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        info.context.require_viewer()
        return await authorization.may_create_course(info.context)


class MayManageCourse(BasePermission):
    """On mutations whose input names a course, as `input.courseId` or through one
    of its sessions as `input.sessionId`: the instructors who teach the course
    and administrators. What does not exist is the resolver's to answer
    (NotFound), once the viewer is an instructor or an administrator."""

    message = resolve_course_edits.FORBIDDEN_MESSAGE
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}

    async def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        info.context.require_viewer()
        given = kwargs.get("input")
        course_id = getattr(given, "course_id", None)
        session_id = getattr(given, "session_id", None)
        return await resolve_course_edits.may_manage_named_course(
            info.context,
            course_id=None if course_id is None else str(course_id),
            session_id=None if session_id is None else str(session_id),
        )


class IsSelfOrAdmin(BasePermission):
    """On User fields holding personal data: the user themselves, or an administrator."""

    message = resolve_profile.PRIVATE_FIELD_MESSAGE
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}

    async def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        return await resolve_profile.may_read_private(
            info.context, source.doc["_id"], authenticated_as=source.authenticated_as
        )


class CanJoinSession(BasePermission):
    """On Session.meetingUrl: seated students, its instructor and administrators."""

    message = resolve_session.MEETING_URL_MESSAGE
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}

    async def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        return await resolve_session.may_join(info.context, source.doc)


class CanSeeClassList(BasePermission):
    """On Session.enrollments: the session's instructors and administrators."""

    message = resolve_enrollment.CLASS_LIST_MESSAGE
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}

    async def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        return await resolve_enrollment.may_see_class_list(info.context, source.doc)


def class_list_readers() -> list[FieldExtension]:
    return [PermissionExtension([CanSeeClassList()])]


def self_or_admin() -> list[FieldExtension]:
    return [PermissionExtension([IsSelfOrAdmin()])]


def session_participants() -> list[FieldExtension]:
    return [PermissionExtension([CanJoinSession()])]


def login_required() -> list[FieldExtension]:
    return [PermissionExtension([IsAuthenticated()])]


def admin_only() -> list[FieldExtension]:
    return [PermissionExtension([IsAdmin()])]


def course_creators() -> list[FieldExtension]:
    return [PermissionExtension([MayCreateCourse()])]


def course_managers() -> list[FieldExtension]:
    return [PermissionExtension([MayManageCourse()])]


def _credential_mutations_only(execution_context: ExecutionContext) -> bool:
    document = execution_context.graphql_document
    if document is None:
        return False
    operation = get_operation_ast(document, execution_context.operation_name)
    if operation is None or operation.operation is not OperationType.MUTATION:
        return False
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode):
            return False
        name = selection.name.value
        if name != "__typename" and name not in CREDENTIAL_MUTATIONS:
            return False
    return True


class RejectInvalidAccessToken(SchemaExtension):
    """A request that presents a bad access token fails as a whole with UNAUTHENTICATED.

    Fields that ask for the viewer would fail anyway; this catches operations
    that never ask (the public catalogue), so a client never mistakes an
    expired session for an anonymous one. The token is verified once, here or
    by whichever field comes first.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if (
            isinstance(context, Context)
            and context.credentials.presented
            and not _credential_mutations_only(self.execution_context)
        ):
            try:
                context.viewer()
            except Unauthenticated as error:
                self.execution_context.result = ExecutionResult(data=None, errors=[error])
        yield
