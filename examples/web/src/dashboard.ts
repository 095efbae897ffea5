// The student's flows, typed end to end by the generated documents: a schema
// change that breaks one of them fails `npm run check`.
import { execute, type ClientOptions } from "./client.ts";
import {
  CatalogueDocument,
  DashboardDocument,
  EnrolDocument,
  LeaveSessionDocument,
  SignInDocument,
  type EnrollmentStatus,
} from "./gql/graphql.ts";

export async function signIn(options: ClientOptions, email: string, password: string) {
  const result = await execute(options, SignInDocument, { email, password });
  const outcome = result.data?.userLogIn;
  if (outcome?.__typename !== "AuthPayload") {
    throw new Error(outcome && "message" in outcome ? outcome.message : "sign-in failed");
  }
  return { token: outcome.accessToken, name: outcome.user.displayName };
}

export async function firstOpenSession(options: ClientOptions): Promise<string | undefined> {
  const result = await execute(options, CatalogueDocument, { orderBy: "RATING" });
  for (const edge of result.data?.courses.edges ?? []) {
    for (const session of edge.node.sessions.edges) {
      if (session.node.seatsLeft > 0) return session.node.id;
    }
  }
  return undefined;
}

export async function enrol(options: ClientOptions, sessionId: string) {
  const result = await execute(options, EnrolDocument, { sessionId });
  const outcome = result.data?.sessionEnroll;
  if (outcome === undefined) throw new Error(result.errors?.[0]?.message ?? "no answer");
  if (outcome.__typename === "EnrollmentPayload") {
    return {
      id: outcome.enrollment.id,
      status: outcome.enrollment.status satisfies EnrollmentStatus,
      position: outcome.enrollment.waitlistPosition ?? null,
    };
  }
  throw new Error(`${outcome.code}: ${outcome.message}`);
}

export async function leave(options: ClientOptions, enrollmentId: string) {
  const result = await execute(options, LeaveSessionDocument, { enrollmentId });
  return result.data?.enrollmentCancel.__typename === "EnrollmentPayload";
}

export async function timetable(options: ClientOptions, status?: EnrollmentStatus) {
  const result = await execute(options, DashboardDocument, status ? { status } : {});
  return (result.data?.viewer?.enrollments.edges ?? []).map(({ node }) => ({
    course: node.session?.course?.title ?? "(hidden course)",
    startsAt: new Date(node.session?.startsAt ?? 0),
    status: node.status,
    position: node.waitlistPosition,
  }));
}
