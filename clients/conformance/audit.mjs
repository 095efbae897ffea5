// The GraphQL over HTTP audit (graphql-http's auditServer) against a running server.
//
//   node audit.mjs http://127.0.0.1:8000/graphql [--pretty]
//
// Prints one JSON object: counts per requirement level (MUST, SHOULD, MAY) and
// status, and every audit that did not pass with its reason. Exits 1 when a MUST
// fails ("error") or a SHOULD fails ("warn"); failed MAYs ("notice") are listed
// but do not fail the run.
//
// Leeto refuses GET requests with parameters, and POSTs whose body is not JSON,
// unless they carry a header that no cross-site "simple" request can have (its
// CSRF rule, server/csrf.py). A browser client sends `Apollo-Require-Preflight`;
// so does this audit, on every request, through auditServer's `fetchFn`.
import { auditServer } from 'graphql-http';

const PREFLIGHT_HEADER = ['apollo-require-preflight', '1'];
const LEVELS = ['MUST', 'SHOULD', 'MAY'];

function usage() {
  process.stderr.write('usage: node audit.mjs <graphql endpoint URL> [--pretty]\n');
  process.exit(2);
}

async function fetchWithPreflight(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set(...PREFLIGHT_HEADER);
  return fetch(input, { ...init, headers });
}

async function describe(result) {
  const level = result.name.split(' ', 1)[0];
  if (result.status === 'ok') return { level, id: result.id, status: 'ok' };
  let body;
  try {
    body = (await result.response.text()).slice(0, 500);
  } catch {
    body = undefined; // already read by the audit itself
  }
  return {
    level,
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.reason,
    httpStatus: result.response.status,
    contentType: result.response.headers.get('content-type'),
    body,
  };
}

async function main() {
  const [url, ...flags] = process.argv.slice(2);
  if (!url || url.startsWith('-')) usage();
  const results = await auditServer({ url, fetchFn: fetchWithPreflight });
  const described = await Promise.all(results.map(describe));
  const summary = {};
  for (const level of LEVELS) summary[level] = { total: 0, ok: 0, notice: 0, warn: 0, error: 0 };
  for (const { level, status } of described) {
    summary[level].total += 1;
    summary[level][status] += 1;
  }
  const report = {
    url,
    total: described.length,
    ok: described.filter((r) => r.status === 'ok').length,
    errors: described.filter((r) => r.status === 'error').length,
    warnings: described.filter((r) => r.status === 'warn').length,
    notices: described.filter((r) => r.status === 'notice').length,
    byLevel: summary,
    failed: described.filter((r) => r.status !== 'ok'),
  };
  const pretty = flags.includes('--pretty');
  process.stdout.write(JSON.stringify(report, null, pretty ? 2 : undefined) + '\n');
  process.exitCode = report.errors + report.warnings > 0 ? 1 : 0;
}

main().catch((error) => {
  process.stderr.write(`audit could not run: ${error?.stack ?? error}\n`);
  process.exit(2);
});
