#!/usr/bin/env node
// Apollo Client against a live Leeto server.
//
//   node run.mjs [ENDPOINT]      (or LEETO_GRAPHQL_URL; default http://127.0.0.1:8000/graphql)
//
// 1. runs a catalogue query through Apollo's persisted-queries link: the first
//    request carries only the query's SHA-256, the server answers
//    PERSISTED_QUERY_NOT_FOUND, and the link sends the query with its hash,
//    which registers it;
// 2. runs the same query again: only the hash is sent, and data comes back
//    (an APQ hit);
// 3. logs in as the demo student (LEETO_EMAIL / LEETO_PASSWORD);
// 4. over a WebSocket (graphql-ws, the access token in connectionParams),
//    subscribes to the student's own enrolments and to the seats of an
//    upcoming session that has a free seat, and gets the session's current
//    state pushed;
// 5. with the token as a Bearer header, enrols in that session over HTTP, then
//    cancels; after each, the pushed seats must equal what HTTP reads back, and
//    the student's enrolment update must arrive.
//
// Prints one JSON summary on stdout; exits 1 on any failure (the summary then
// says which step failed and why). LEETO_CLIENT_TIMEOUT_MS bounds the whole run.

import { createHash } from "node:crypto";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { OperationTypeNode } from "graphql";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const DEFAULT_ENDPOINT = "http://127.0.0.1:8000/graphql";

const CATALOGUE = gql`
  query Catalogue($first: Int!) {
    courses(first: $first, orderBy: RATING) {
      edges {
        node {
          id
          slug
          title
          track
          priceCents
          ratingAverage
        }
      }
    }
  }
`;

const LOG_IN = gql`
  mutation LogIn($email: String!, $password: String!) {
    userLogIn(input: { email: $email, password: $password }) {
      __typename
      ... on AuthPayload {
        accessToken
        user {
          displayName
        }
      }
      ... on MutationError {
        code
        message
      }
    }
  }
`;

const OPEN_SESSIONS = gql`
  query OpenSessions($after: String) {
    courses(first: 20, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          title
          sessions(first: 10, upcoming: true) {
            edges {
              node {
                id
                startsAt
                seatsLeft
                viewerEnrollmentStatus
              }
            }
          }
        }
      }
    }
  }
`;

const ENROL = gql`
  mutation Enrol($sessionId: ID!) {
    sessionEnroll(input: { sessionId: $sessionId }) {
      __typename
      ... on EnrollmentPayload {
        enrollment {
          id
          status
        }
      }
      ... on MutationError {
        code
        message
      }
    }
  }
`;

const CANCEL = gql`
  mutation CancelEnrolment($enrollmentId: ID!) {
    enrollmentCancel(input: { enrollmentId: $enrollmentId }) {
      __typename
      ... on EnrollmentPayload {
        enrollment {
          id
          status
        }
      }
      ... on MutationError {
        code
        message
      }
    }
  }
`;

const SESSION_SEATS = gql`
  subscription SessionSeats($sessionId: ID!) {
    sessionSeats(sessionId: $sessionId) {
      sessionId
      version
      seatsLeft
      waitlistLength
      reason
    }
  }
`;

const MY_ENROLMENTS = gql`
  subscription MyEnrolments {
    viewerEnrollmentUpdated {
      reason
      enrollment {
        id
        status
      }
    }
  }
`;

const SEATS_NOW = gql`
  query SeatsNow($id: ID!) {
    node(id: $id) {
      ... on Session {
        seatsLeft
        waitlistLength
      }
    }
  }
`;

class StepFailed extends Error {}

function endpointFrom(value) {
  const url = new URL(value);
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/graphql";
  return url.toString();
}

// The WebSocket endpoint is the HTTP one with its scheme swapped (same path).
function socketUrlFrom(endpoint) {
  const url = new URL(endpoint);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

function sha256(text) {
  return createHash("sha256").update(text).digest("hex");
}

// Every HTTP exchange, as the persisted-queries link made it: whether the query
// text was sent, and what came back. No headers, so no token, are kept.
const exchanges = [];

async function recordingFetch(input, init) {
  const sent = typeof init?.body === "string" ? JSON.parse(init.body) : {};
  const response = await fetch(input, init);
  const body = await response
    .clone()
    .json()
    .catch(() => null);
  exchanges.push({
    operationName: sent.operationName ?? null,
    sentQuery: typeof sent.query === "string",
    sentHash: sent.extensions?.persistedQuery?.sha256Hash ?? null,
    status: response.status,
    errorCodes: (body?.errors ?? []).map((error) => error.extensions?.code ?? null),
    gotData: body?.data != null,
  });
  return response;
}

function makeClient(uri, session) {
  const auth = new SetContextLink((previous) =>
    session.accessToken
      ? { headers: { ...previous.headers, authorization: `Bearer ${session.accessToken}` } }
      : {},
  );
  const persisted = new PersistedQueryLink({ sha256 });
  const http = new HttpLink({ uri, fetch: recordingFetch });
  // A WebSocket carries no headers of ours, so the token goes in connection_init;
  // graphql-ws connects lazily, at the first subscription (after the log-in).
  session.socket = createClient({
    url: socketUrlFrom(uri),
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: () =>
      session.accessToken ? { Authorization: `Bearer ${session.accessToken}` } : {},
  });
  const isSubscription = (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION;
  return new ApolloClient({
    link: ApolloLink.split(
      isSubscription,
      new GraphQLWsLink(session.socket),
      ApolloLink.from([auth, persisted, http]),
    ),
    cache: new InMemoryCache(),
    // Every query goes to the server, so a repeated one shows the APQ hit.
    defaultOptions: { query: { fetchPolicy: "network-only" } },
  });
}

// The describing part of an exchange: hash only or with the query, and its answer.
function describe(exchange) {
  const sent = exchange.sentQuery ? "hash+query" : "hash";
  const answer = exchange.errorCodes.length
    ? exchange.errorCodes.join(",")
    : exchange.gotData
      ? "data"
      : `HTTP ${exchange.status}`;
  return `${sent} -> ${answer}`;
}

async function runCatalogue(client) {
  const start = exchanges.length;
  const { data } = await client.query({ query: CATALOGUE, variables: { first: 5 } });
  const courses = data.courses.edges.map((edge) => edge.node);
  if (courses.length === 0) throw new StepFailed("the catalogue is empty (seed the database)");
  return { courses, exchanges: exchanges.slice(start) };
}

async function logIn(client, session, email, password) {
  const { data } = await client.mutate({ mutation: LOG_IN, variables: { email, password } });
  const result = data.userLogIn;
  if (result.__typename !== "AuthPayload") {
    throw new StepFailed(`log-in refused: ${result.__typename} ${result.code ?? ""}`.trim());
  }
  session.accessToken = result.accessToken;
  return result.user.displayName;
}

async function findOpenSession(client) {
  let after = null;
  for (;;) {
    const { data } = await client.query({ query: OPEN_SESSIONS, variables: { after } });
    for (const { node: course } of data.courses.edges) {
      for (const { node: session } of course.sessions.edges) {
        const free = session.viewerEnrollmentStatus ?? "CANCELLED";
        if (session.seatsLeft > 0 && free === "CANCELLED") return { course, session };
      }
    }
    if (!data.courses.pageInfo.hasNextPage) break;
    after = data.courses.pageInfo.endCursor;
  }
  throw new StepFailed("no upcoming session with a free seat the student is not already in");
}

// One subscription's pushed results, awaited one at a time in arrival order.
function follow(client, query, variables) {
  const arrived = [];
  let wake = null;
  const observable = client.subscribe({ query, variables });
  const handle = observable.subscribe({
    next: (result) => {
      arrived.push(result);
      wake?.();
    },
    error: (error) => {
      arrived.push({ error });
      wake?.();
    },
  });
  return {
    async next(what) {
      while (arrived.length === 0) await new Promise((resolve) => (wake = resolve));
      const result = arrived.shift();
      if (result.error || !result.data) {
        throw new StepFailed(`${what}: ${result.error?.message ?? "no data pushed"}`);
      }
      return result.data;
    },
    stop: () => handle.unsubscribe(),
  };
}

function seatsOf(pushed) {
  const { version, seatsLeft, waitlistLength, reason } = pushed.sessionSeats;
  return { version, seatsLeft, waitlistLength, reason };
}

async function seatsOverHttp(client, sessionId) {
  const { data } = await client.query({ query: SEATS_NOW, variables: { id: sessionId } });
  return { seatsLeft: data.node.seatsLeft, waitlistLength: data.node.waitlistLength };
}

// The pushed state after a change, beside what HTTP reads back once it has arrived.
async function pushedAndRead(client, seats, sessionId, reason) {
  const pushed = seatsOf(await seats.next(`sessionSeats after ${reason}`));
  if (pushed.reason !== reason) {
    throw new StepFailed(`sessionSeats pushed ${pushed.reason}, expected ${reason}`);
  }
  const overHttp = await seatsOverHttp(client, sessionId);
  const match =
    pushed.seatsLeft === overHttp.seatsLeft && pushed.waitlistLength === overHttp.waitlistLength;
  if (!match) {
    throw new StepFailed(
      `pushed seats ${JSON.stringify(pushed)} differ from HTTP ${JSON.stringify(overHttp)}`,
    );
  }
  return { pushed, overHttp, match };
}

async function viewerUpdate(mine, enrollmentId, reason) {
  const { viewerEnrollmentUpdated: update } = await mine.next(`viewerEnrollmentUpdated (${reason})`);
  if (update.enrollment.id !== enrollmentId || update.reason !== reason) {
    throw new StepFailed(`unexpected enrolment update ${JSON.stringify(update)}`);
  }
  return [update.reason, update.enrollment.status];
}

async function subscribe(client) {
  const { course, session } = await findOpenSession(client);
  // The viewer's enrolments first: that operation subscribes without touching
  // the database, so once the seats (asked for second) have pushed their
  // current state, both are live and no change made after can be missed.
  const mine = follow(client, MY_ENROLMENTS, {});
  const seats = follow(client, SESSION_SEATS, { sessionId: session.id });
  const current = seatsOf(await seats.next("sessionSeats"));
  if (current.reason !== "CURRENT" || current.seatsLeft !== session.seatsLeft) {
    throw new StepFailed(`the first seats pushed were ${JSON.stringify(current)}`);
  }
  return { course, session, mine, seats, current };
}

async function enrolAndCancel(client, live) {
  const { course, session, mine, seats } = live;
  const enrolled = (await client.mutate({ mutation: ENROL, variables: { sessionId: session.id } }))
    .data.sessionEnroll;
  if (enrolled.__typename !== "EnrollmentPayload") {
    throw new StepFailed(`sessionEnroll refused: ${enrolled.__typename} ${enrolled.code ?? ""}`);
  }
  const { enrollment } = enrolled;
  const afterEnrol = await pushedAndRead(client, seats, session.id, "ENROLLED");
  const updates = [await viewerUpdate(mine, enrollment.id, "ENROLLED")];
  const cancelled = (
    await client.mutate({ mutation: CANCEL, variables: { enrollmentId: enrollment.id } })
  ).data.enrollmentCancel;
  if (cancelled.__typename !== "EnrollmentPayload") {
    throw new StepFailed(`enrollmentCancel refused: ${cancelled.__typename} ${cancelled.code ?? ""}`);
  }
  const afterCancel = await pushedAndRead(client, seats, session.id, "CANCELLED_BY_USER");
  updates.push(await viewerUpdate(mine, enrollment.id, "CANCELLED_BY_USER"));
  return {
    enrolment: {
      course: course.title,
      sessionId: session.id,
      startsAt: session.startsAt,
      seatsLeftBefore: session.seatsLeft,
      enrollmentId: enrollment.id,
      enrolled: enrollment.status,
      cancelled: cancelled.enrollment.status,
    },
    pushed: { afterEnrol, afterCancel, viewerUpdates: updates },
  };
}

async function main() {
  const given = process.argv[2] ?? process.env.LEETO_GRAPHQL_URL ?? DEFAULT_ENDPOINT;
  const email = process.env.LEETO_EMAIL ?? "student@leeto.dev";
  const password = process.env.LEETO_PASSWORD ?? "leeto-demo-password";
  const session = { accessToken: null, socket: null };
  const summary = { ok: false, endpoint: given, steps: [] };
  let client = null;
  let live = null;
  let step = "setup";
  try {
    summary.endpoint = endpointFrom(given);
    client = makeClient(summary.endpoint, session);

    step = "catalogue";
    const first = await runCatalogue(client);
    summary.catalogue = {
      courses: first.courses.length,
      titles: first.courses.map((course) => course.title),
    };
    summary.steps.push(step);

    step = "apq";
    const second = await runCatalogue(client);
    const hit =
      second.exchanges.length === 1 &&
      !second.exchanges[0].sentQuery &&
      second.exchanges[0].sentHash !== null &&
      second.exchanges[0].gotData &&
      JSON.stringify(second.courses) === JSON.stringify(first.courses);
    summary.apq = {
      operation: "Catalogue",
      hash: second.exchanges[0]?.sentHash ?? null,
      firstRun: first.exchanges.map(describe),
      secondRun: second.exchanges.map(describe),
      hit,
    };
    if (!hit) throw new StepFailed("the repeated query was not answered from its hash alone");
    summary.steps.push(step);

    step = "logIn";
    summary.signedIn = { email, displayName: await logIn(client, session, email, password) };
    summary.steps.push(step);

    step = "subscriptions";
    live = await subscribe(client);
    summary.subscriptions = {
      url: socketUrlFrom(summary.endpoint),
      sessionId: live.session.id,
      current: live.current,
    };
    summary.steps.push(step);

    step = "enrolment";
    const done = await enrolAndCancel(client, live);
    summary.enrolment = done.enrolment;
    Object.assign(summary.subscriptions, done.pushed);
    if (summary.enrolment.enrolled !== "ACTIVE" || summary.enrolment.cancelled !== "CANCELLED") {
      throw new StepFailed(
        `unexpected statuses ${summary.enrolment.enrolled} then ${summary.enrolment.cancelled}`,
      );
    }
    summary.steps.push(step);
    summary.ok = true;
  } catch (error) {
    summary.failedStep = step;
    summary.error = error instanceof Error ? error.message : String(error);
  } finally {
    summary.requests = exchanges.length;
    live?.mine.stop();
    live?.seats.stop();
    await session.socket?.dispose();
    client?.stop();
  }
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return summary.ok ? 0 : 1;
}

const timeoutMs = Number(process.env.LEETO_CLIENT_TIMEOUT_MS ?? 60000);
setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ ok: false, error: `timed out after ${timeoutMs} ms` })}\n`);
  process.exit(1);
}, timeoutMs).unref();

process.exitCode = await main();
