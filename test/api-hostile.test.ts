import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { testDatabaseTargets } from './support/databases.js';

/**
 * Malformed and hostile requests: each must get a specific 4xx in the error envelope, never a 5xx,
 * and the service must still serve normal requests afterwards.
 */

const INTEGRATIONS = '/api/v1/integrations';
const UNKNOWN_UUID = '0190f3a0-0000-7000-8000-000000000000';
const VALID = {
  name: 'hostile-target',
  type: 'scm',
  provider: 'in_memory',
  endpoint: 'https://scm.example.com',
};
const SQL = "' OR 1=1 --";
const SCRIPT = '<script>alert(1)</script>';
/** Free text that must come back exactly as sent. */
const HOSTILE_OWNER = `Robert'); DROP TABLE integrations;-- <script>alert("x")</script> & "q" \\ é`;

/** What the cases refer to; made once per database before they run. */
interface Fixtures {
  /** An integration of tenant `default` at version 1, named `fixture-scm`. */
  readonly integrationId: string;
  /** An integration of tenant `other`. */
  readonly otherTenantIntegrationId: string;
  readonly readToken: string;
  readonly writeToken: string;
  readonly revokedToken: string;
}

interface HostileRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  readonly url: string;
  readonly payload?: string | Buffer | Record<string, unknown>;
  readonly headers?: Record<string, string>;
  /** Defaults to the admin token of tenant `default`; null sends none. */
  readonly token?: string | null;
}

interface HostileCase {
  readonly name: string;
  readonly request: (fixtures: Fixtures) => HostileRequest;
  readonly status: 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 422;
  readonly code: string;
  /** A field that `details` must name, when the problem is one field. */
  readonly field?: string;
}

/** A row of the table: the outcome first, so the table reads as a list of expectations. */
const row = (
  status: HostileCase['status'],
  code: string,
  name: string,
  request: HostileCase['request'],
  field?: string,
): HostileCase => ({ status, code, name, request, field });

const call =
  (method: HostileRequest['method'], url: string, extra: Partial<HostileRequest> = {}) =>
  (): HostileRequest => ({ method, url, ...extra });

const createWith =
  (changes: Record<string, unknown>, extra: Partial<HostileRequest> = {}) =>
  (): HostileRequest => ({ method: 'POST', url: INTEGRATIONS, payload: { ...VALID, ...changes }, ...extra });

const createWithout = (field: keyof typeof VALID) => (): HostileRequest => {
  const { [field]: _dropped, ...rest } = VALID;
  return { method: 'POST', url: INTEGRATIONS, payload: rest };
};

const rawBody = (payload: string | Buffer, contentType?: string) => (): HostileRequest => ({
  method: 'POST',
  url: INTEGRATIONS,
  payload,
  headers: contentType ? { 'content-type': contentType } : {},
});

const list = (query: string, token?: string | null) => call('GET', `${INTEGRATIONS}?${query}`, { token });

const patch =
  (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  (f: Fixtures): HostileRequest => ({
    method: 'PATCH',
    url: `${INTEGRATIONS}/${f.integrationId}`,
    payload,
    headers,
  });

const bearer = (authorization: string) =>
  call('GET', INTEGRATIONS, { token: null, headers: { authorization } });

const json = (value: unknown) =>
  rawBody(typeof value === 'string' ? value : JSON.stringify(value), 'application/json');

const base64 = (text: string, encoding: 'base64' | 'base64url') => Buffer.from(text).toString(encoding);

/** 0xC3 0x28: a two-byte UTF-8 sequence whose second byte is not a continuation byte. */
const BROKEN_UTF8 = Buffer.concat([
  Buffer.from('{"name":"a'),
  Buffer.from([0xc3, 0x28]),
  Buffer.from('","type":"scm","provider":"in_memory","endpoint":"https://x.example.com"}'),
]);
/** A create body whose config nests `depth` objects deep. */
const deepConfig = (depth: number) =>
  `${JSON.stringify(VALID).slice(0, -1)},"config":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;

const INVALID = 'invalid_request';
/** Where the nesting limit (64 levels) stops a deep config. */
const TOO_DEEP = `/body/config${'/a'.repeat(63)}`;
/** Used once by the fixtures, then reused by a case with another body. */
const REUSED_KEY = 'hostile-reused-key';
const theirs = (f: Fixtures) => `${INTEGRATIONS}/${f.otherTenantIntegrationId}`;

const CASES: HostileCase[] = [
  // Wrong JSON types: nothing may be coerced into a valid value.
  row(400, INVALID, 'name is a number', createWith({ name: 123 }), '/body/name'),
  row(400, INVALID, 'name is null', createWith({ name: null }), '/body/name'),
  row(400, INVALID, 'type is a number', createWith({ type: 7 }), '/body/type'),
  row(400, INVALID, 'provider is a boolean', createWith({ provider: true }), '/body/provider'),
  row(400, INVALID, 'endpoint is an array', createWith({ endpoint: [VALID.endpoint] }), '/body/endpoint'),
  row(400, INVALID, 'authRef is a number', createWith({ authRef: 1234567890 }), '/body/authRef'),
  row(400, INVALID, 'config is a string', createWith({ config: 'health=bad' }), '/body/config'),
  row(400, INVALID, 'config is an array', createWith({ config: [] }), '/body/config'),
  row(400, INVALID, 'tags is a string', createWith({ tags: 'prod' }), '/body/tags'),
  row(400, INVALID, 'owner is a number', createWith({ owner: 42 }), '/body/owner'),
  row(400, INVALID, 'enabled is a string', createWith({ enabled: 'false' }), '/body/enabled'),

  // Missing and unknown fields.
  row(400, INVALID, 'name missing', createWithout('name'), '/body/name'),
  row(400, INVALID, 'type missing', createWithout('type'), '/body/type'),
  row(400, INVALID, 'provider missing', createWithout('provider'), '/body/provider'),
  row(400, INVALID, 'endpoint missing', createWithout('endpoint'), '/body/endpoint'),
  row(400, INVALID, 'unknown top-level field', createWith({ isAdmin: true }), '/body/isAdmin'),
  row(400, INVALID, 'tenantId smuggled into the body', createWith({ tenantId: 'other' }), '/body/tenantId'),

  // Providers and their config.
  row(400, INVALID, 'unknown provider', createWith({ provider: 'no_such_provider' }), '/provider'),
  row(400, INVALID, 'provider id with SQL', createWith({ provider: SQL }), '/body/provider'),
  row(400, INVALID, 'type the provider does not serve', createWith({ type: 'ci' }), '/type'),
  row(400, INVALID, 'unknown type', createWith({ type: 'mainframe' }), '/body/type'),
  row(400, INVALID, 'config.health "bad"', createWith({ config: { health: 'bad' } }), '/config/health'),
  row(
    400,
    INVALID,
    'unknown config key',
    createWith({ config: { rootPassword: 'x' } }),
    '/config/rootPassword',
  ),
  row(
    400,
    INVALID,
    'config.delayMs is a string',
    createWith({ config: { delayMs: '10' } }),
    '/config/delayMs',
  ),
  row(400, INVALID, 'config.delayMs is negative', createWith({ config: { delayMs: -1 } }), '/config/delayMs'),

  // Endpoints.
  row(400, INVALID, 'endpoint is not a URL', createWith({ endpoint: 'not a url' }), '/endpoint'),
  row(400, INVALID, 'endpoint is empty', createWith({ endpoint: '' }), '/body/endpoint'),
  row(400, INVALID, 'endpoint uses ftp', createWith({ endpoint: 'ftp://files.example.com' }), '/endpoint'),
  row(400, INVALID, 'endpoint is javascript:', createWith({ endpoint: 'javascript:alert(1)' }), '/endpoint'),
  row(400, INVALID, 'endpoint is file:', createWith({ endpoint: 'file:///etc/passwd' }), '/endpoint'),
  row(
    400,
    INVALID,
    'endpoint with credentials',
    createWith({ endpoint: 'https://u:p@host.example.com' }),
    '/endpoint',
  ),
  row(
    400,
    INVALID,
    'endpoint with a fragment',
    createWith({ endpoint: 'https://scm.example.com/#x' }),
    '/endpoint',
  ),

  // Credential references.
  row(400, INVALID, 'authRef is a URL', createWith({ authRef: 'https://x' }), '/body/authRef'),
  row(400, INVALID, 'authRef without a store', createWith({ authRef: 'authref://' }), '/authRef'),
  row(
    400,
    INVALID,
    'authRef with credentials',
    createWith({ authRef: 'authref://user:pw@store/x' }),
    '/authRef',
  ),
  row(400, INVALID, 'authRef with a port', createWith({ authRef: 'authref://store:5432/x' }), '/authRef'),

  // Names.
  row(400, INVALID, 'name empty', createWith({ name: '' }), '/body/name'),
  row(400, INVALID, 'name of 101 characters', createWith({ name: 'a'.repeat(101) }), '/body/name'),
  row(400, INVALID, 'name with spaces', createWith({ name: 'my integration' }), '/body/name'),
  row(400, INVALID, 'name with a leading dot', createWith({ name: '.hidden' }), '/body/name'),
  row(400, INVALID, 'name with a script tag', createWith({ name: SCRIPT }), '/body/name'),
  row(400, INVALID, 'name with SQL', createWith({ name: SQL }), '/body/name'),
  row(400, INVALID, 'name with a NUL byte', createWith({ name: 'gh\u0000' }), '/body/name'),
  row(409, 'conflict', 'name already taken', createWith({ name: 'fixture-scm' }), '/name'),

  // Tags and owner.
  row(400, INVALID, 'tag with a space', createWith({ tags: ['team a'] }), '/body/tags/0'),
  row(
    400,
    INVALID,
    '51 tags',
    createWith({ tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }),
    '/body/tags',
  ),
  row(400, INVALID, 'owner with a control character', createWith({ owner: 'team\u0007' }), '/body/owner'),
  row(400, INVALID, 'owner empty', createWith({ owner: '' }), '/body/owner'),

  // Bodies that are not one JSON object of at most 1 MiB.
  row(413, 'payload_too_large', 'body over 1 MiB', json({ ...VALID, owner: 'x'.repeat(1024 * 1024) })),
  row(400, INVALID, 'truncated JSON', json('{"name":')),
  row(400, INVALID, 'JSON array body', json([VALID]), '/body'),
  row(400, INVALID, 'JSON string body', json('"hello"'), '/body'),
  row(400, INVALID, 'JSON null body', json('null')),
  row(400, INVALID, 'empty body with a JSON content type', json('')),
  row(400, INVALID, 'no body at all', call('POST', INTEGRATIONS)),
  row(400, INVALID, 'invalid UTF-8 in a string', rawBody(BROKEN_UTF8, 'application/json')),
  // 2 000 levels got past the parser and overflowed the stack when the config was cloned: a 500.
  row(400, INVALID, 'config nested 2 000 levels deep', json(deepConfig(2_000)), TOO_DEEP),
  row(400, INVALID, 'config nested 100 000 levels deep', json(deepConfig(100_000)), TOO_DEEP),
  row(
    400,
    INVALID,
    '__proto__ key',
    json(JSON.stringify(VALID).replace('{', '{"__proto__":{},')),
    '/body/__proto__',
  ),
  row(
    400,
    INVALID,
    '__proto__ key inside config',
    json(JSON.stringify(VALID).replace('}', ',"config":{"__proto__":{"isAdmin":true}}}')),
    '/body/config/__proto__',
  ),
  row(
    400,
    INVALID,
    'constructor key inside config',
    json({ ...VALID, config: { constructor: { prototype: {} } } }),
    '/body/config/constructor',
  ),
  row(415, 'unsupported_media_type', 'text/plain body', rawBody(JSON.stringify(VALID), 'text/plain')),
  row(415, 'unsupported_media_type', 'form body', rawBody('name=x', 'application/x-www-form-urlencoded')),
  row(415, 'unsupported_media_type', 'XML body', rawBody('<integration name="x"/>', 'application/xml')),
  row(415, 'unsupported_media_type', 'body without a content type', rawBody(JSON.stringify(VALID))),
  row(
    415,
    'unsupported_media_type',
    'JSON-lookalike content type',
    rawBody(JSON.stringify(VALID), 'application/jsonx'),
  ),

  // Query parameters of the list.
  row(400, INVALID, 'pageSize=0', list('pageSize=0'), '/query/pageSize'),
  row(400, INVALID, 'pageSize=501', list('pageSize=501'), '/query/pageSize'),
  row(400, INVALID, 'pageSize=abc', list('pageSize=abc'), '/query/pageSize'),
  row(400, INVALID, 'pageSize given twice', list('pageSize=1&pageSize=2'), '/query/pageSize'),
  row(400, INVALID, 'unknown query parameter', list('tenantId=other'), '/query/tenantId'),
  row(400, INVALID, 'type=nope', list('type=nope'), '/query/type'),
  row(400, INVALID, 'health=nope', list('health=nope'), '/query/health'),
  row(400, INVALID, 'q empty', list('q='), '/query/q'),
  row(400, INVALID, 'q with a NUL byte', list('q=a%00b'), '/query/q'),
  row(400, INVALID, 'pageToken=garbage', list('pageToken=garbage'), '/query/pageToken'),
  row(
    400,
    INVALID,
    'pageToken of valid JSON with a non-uuid',
    list(`pageToken=${encodeURIComponent(base64('{"after":"not-a-uuid"}', 'base64'))}`),
    '/query/pageToken',
  ),
  row(
    400,
    INVALID,
    'pageToken with SQL',
    list(`pageToken=${base64(`{"after":"${SQL}"}`, 'base64url')}`),
    '/query/pageToken',
  ),

  // Path ids.
  row(400, INVALID, 'GET a non-uuid id', call('GET', `${INTEGRATIONS}/not-a-uuid`), '/params/id'),
  row(
    400,
    INVALID,
    'DELETE an id with SQL',
    call('DELETE', `${INTEGRATIONS}/${encodeURIComponent(SQL)}`),
    '/params/id',
  ),
  row(400, INVALID, 'id longer than the router accepts', call('GET', `${INTEGRATIONS}/${'a'.repeat(300)}`)),
  row(400, INVALID, 'broken percent-encoding in the path', call('GET', `${INTEGRATIONS}/%E0%A4%A`)),
  row(400, INVALID, 'revoke a non-uuid token id', call('DELETE', '/api/v1/tokens/not-a-uuid'), '/params/id'),
  row(404, 'not_found', 'GET an unknown uuid', call('GET', `${INTEGRATIONS}/${UNKNOWN_UUID}`)),

  // Another tenant's integration is indistinguishable from a missing one.
  row(404, 'not_found', "GET another tenant's integration", (f) => call('GET', theirs(f))()),
  row(404, 'not_found', "PATCH another tenant's integration", (f) =>
    call('PATCH', theirs(f), { payload: { owner: 'me' } })(),
  ),
  row(404, 'not_found', "DELETE another tenant's integration", (f) => call('DELETE', theirs(f))()),

  // Authentication and scopes.
  row(401, 'unauthenticated', 'no token', list('', null)),
  row(401, 'unauthenticated', 'Basic credentials', bearer('Basic abc')),
  row(401, 'unauthenticated', 'Bearer with nothing', bearer('Bearer')),
  row(401, 'unauthenticated', 'Bearer with SQL', bearer(`Bearer ${SQL}`)),
  row(401, 'unauthenticated', 'wrong token', list('', `intg_${'b'.repeat(43)}`)),
  row(401, 'unauthenticated', 'revoked token', (f) => list('', f.revokedToken)()),
  row(403, 'forbidden', 'read-only token creating', (f) =>
    createWith({ name: 'ro' }, { token: f.readToken })(),
  ),
  row(403, 'forbidden', 'read-only token deleting', (f) =>
    call('DELETE', `${INTEGRATIONS}/${f.integrationId}`, { token: f.readToken })(),
  ),
  row(403, 'forbidden', 'write token listing tokens', (f) =>
    call('GET', '/api/v1/tokens', { token: f.writeToken })(),
  ),
  row(
    400,
    INVALID,
    'token with an unknown scope',
    call('POST', '/api/v1/tokens', { payload: { name: 'root', scopes: ['root'] } }),
    '/body/scopes/0',
  ),

  // Changes.
  row(400, INVALID, 'PATCH with an empty object', patch({}), '/body'),
  row(400, INVALID, 'PATCH changing type', patch({ type: 'registry' }), '/body/type'),
  row(400, INVALID, 'PATCH changing provider', patch({ provider: 'other_provider' }), '/body/provider'),
  row(400, INVALID, 'PATCH with a bad config value', patch({ config: { health: 'bad' } }), '/config/health'),
  row(
    412,
    'precondition_failed',
    'PATCH with a stale If-Match',
    patch({ owner: 'me' }, { 'if-match': '"99"' }),
  ),
  row(
    412,
    'precondition_failed',
    'PATCH with a malformed If-Match',
    patch({ owner: 'me' }, { 'if-match': 'v1' }),
  ),
  row(412, 'precondition_failed', 'PATCH with two ETags', patch({ owner: 'me' }, { 'if-match': '"1", "2"' })),

  // Idempotency keys.
  row(
    422,
    'idempotency_key_reused',
    'Idempotency-Key reused with another body',
    createWith({ name: 'idem-second' }, { headers: { 'idempotency-key': REUSED_KEY } }),
  ),
  row(
    400,
    INVALID,
    'non-ASCII Idempotency-Key',
    createWith({ name: 'idem-other' }, { headers: { 'idempotency-key': 'clé-é' } }),
    '/headers/idempotency-key',
  ),
  row(
    400,
    INVALID,
    '256-character Idempotency-Key',
    createWith({ name: 'idem-other' }, { headers: { 'idempotency-key': 'k'.repeat(256) } }),
    '/headers/idempotency-key',
  ),

  // Routes that do not exist.
  row(404, 'not_found', 'unknown route under /api/v1', call('GET', '/api/v1/secrets')),
  row(404, 'not_found', 'PUT on the collection', call('PUT', INTEGRATIONS, { payload: VALID })),
];

const targets = await testDatabaseTargets();

describe.each(targets)('hostile requests on $dialect', (target) => {
  let t: TestApp;
  let fixtures: Fixtures;

  beforeAll(async () => {
    if (!target.available) return;
    t = await startTestApp(target);
    fixtures = await makeFixtures(t);
  });
  afterAll(async () => t?.dispose());

  it.skipIf(!target.available).for(CASES)('$status $code: $name', async (hostile) => {
    const { token, ...options } = hostile.request(fixtures);

    const response = await t.request({ ...options, token });

    expect(response.status).toBeLessThan(500);
    expect(response.status, JSON.stringify(response.body)).toBe(hostile.status);
    expectErrorEnvelope(response, hostile.code);
    if (hostile.field) {
      expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(hostile.field);
    }
    if (hostile.status === 401) expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it.skipIf(!target.available).for([SQL, SCRIPT, '%', '_', "'; DROP TABLE integrations; --"])(
    'treats q=%s as text to search for, not as SQL or a pattern',
    async (q) => {
      const response = await t.request({ method: 'GET', url: `${INTEGRATIONS}?q=${encodeURIComponent(q)}` });

      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([]);
    },
  );

  it.skipIf(!target.available)('stores a hostile owner verbatim and returns it as JSON data', async () => {
    const payload = { ...VALID, name: 'hostile-owner', owner: HOSTILE_OWNER };

    const created = await t.request({ method: 'POST', url: INTEGRATIONS, payload });
    const read = await t.request({ method: 'GET', url: `${INTEGRATIONS}/${created.body.id}` });
    const found = await t.request({
      method: 'GET',
      url: `${INTEGRATIONS}?q=${encodeURIComponent('DROP TABLE')}`,
    });

    expect(created.status).toBe(201);
    expect(created.body.owner).toBe(HOSTILE_OWNER);
    expect(read.status).toBe(200);
    expect(read.headers['content-type']).toMatch(/^application\/json/);
    expect(read.body.owner).toBe(HOSTILE_OWNER);
    expect(found.body.items.map((i: { name: string }) => i.name)).toEqual(['hostile-owner']);
  });

  it.skipIf(!target.available)("keeps another tenant's integration out of the list", async () => {
    const otherToken = await t.token('other');

    const mine = await t.request({ method: 'GET', url: `${INTEGRATIONS}?pageSize=500` });
    const other = await t.request({ method: 'GET', url: `${INTEGRATIONS}?pageSize=500`, token: otherToken });

    const ids = (page: { body: { items: { id: string }[] } }) => page.body.items.map((i) => i.id);
    expect(ids(mine)).toContain(fixtures.integrationId);
    expect(ids(mine)).not.toContain(fixtures.otherTenantIntegrationId);
    expect(ids(other)).toEqual([fixtures.otherTenantIntegrationId]);
  });

  // Runs last: everything above must have left the service up and the data untouched.
  it.skipIf(!target.available)('still serves normal requests after all of the above', async () => {
    const payload = { ...VALID, name: 'after-the-storm' };

    const health = await t.request({ method: 'GET', url: '/healthz', token: null });
    const created = await t.request({ method: 'POST', url: INTEGRATIONS, payload });
    const all = await t.request({ method: 'GET', url: `${INTEGRATIONS}?pageSize=500` });
    const fixture = await t.request({ method: 'GET', url: `${INTEGRATIONS}/${fixtures.integrationId}` });

    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    expect(created.status).toBe(201);
    // No hostile request created, changed or deleted anything.
    const names = all.body.items.map((i: { name: string }) => i.name).sort();
    expect(names).toEqual(['after-the-storm', 'fixture-scm', 'hostile-owner', 'idem-first']);
    expect(fixture.body.version).toBe(1);
  });
});

async function makeFixtures(t: TestApp): Promise<Fixtures> {
  const mine = await t.request({
    method: 'POST',
    url: INTEGRATIONS,
    payload: { ...VALID, name: 'fixture-scm' },
  });
  const otherTenants = await t.request({
    method: 'POST',
    url: INTEGRATIONS,
    payload: { ...VALID, name: 'other-tenant-scm' },
    token: await t.token('other'),
  });
  // The first use of the key the idempotency case reuses with another body.
  const first = await t.request({
    method: 'POST',
    url: INTEGRATIONS,
    payload: { ...VALID, name: 'idem-first' },
    headers: { 'idempotency-key': REUSED_KEY },
  });
  const revocable = await t.request({
    method: 'POST',
    url: '/api/v1/tokens',
    payload: { name: 'to-revoke', scopes: ['integrations:read'] },
  });
  const revoked = await t.request({ method: 'DELETE', url: `/api/v1/tokens/${revocable.body.tokenInfo.id}` });
  for (const response of [mine, otherTenants, first, revocable]) expect(response.status).toBe(201);
  expect(revoked.status).toBe(204);
  return {
    integrationId: mine.body.id,
    otherTenantIntegrationId: otherTenants.body.id,
    readToken: await t.token('default', ['integrations:read']),
    writeToken: await t.token('default', ['integrations:write']),
    revokedToken: revocable.body.token,
  };
}

/** The error envelope: `{ error: { code, message, traceId, details? } }`, traced by `x-trace-id`. */
function expectErrorEnvelope(response: Awaited<ReturnType<TestApp['request']>>, code: string): void {
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(response.body)).toEqual(['error']);
  const { error } = response.body;
  expect(['code', 'message', 'traceId', 'details']).toEqual(expect.arrayContaining(Object.keys(error)));
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe('string');
  expect(error.message.trim()).not.toBe('');
  // Written for the caller: no validator internals or runtime errors.
  expect(error.message).not.toMatch(/anyOf|call stack|FST_|Error:|undefined/);
  expect(error.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(error.traceId).toBe(response.headers['x-trace-id']);
  if (error.details !== undefined) {
    expect(Array.isArray(error.details)).toBe(true);
    for (const detail of error.details) {
      expect(typeof detail.field).toBe('string');
      expect(typeof detail.message).toBe('string');
    }
    // Each field at fault is reported once.
    const fields = error.details.map((d: { field: string }) => d.field);
    expect(new Set(fields).size).toBe(fields.length);
  }
}
