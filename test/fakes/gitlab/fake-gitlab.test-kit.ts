import { createEgressPolicy, createHttpClient, type HttpClient } from '../../../src/net/index.js';
import type { FakeGitLab } from './fake-gitlab.js';
import type { FakeProject } from './state.js';

/** A seeded GitLab for the fake's own tests, and plain requests to it through the outbound client. */

export const BASE = 'b'.repeat(40);
/** The target branch moved on after the MR was opened: `start_sha` differs from `base_sha`. */
export const START = 'c'.repeat(40);
export const HEAD = 'd'.repeat(40);

/** Context (1,1), removed (2,–), added (–,2), added (–,3), context (3,4). */
export const APP_DIFF =
  '@@ -1,3 +1,4 @@\n import a\n-const x = 1;\n+const x = 2;\n+const y = 3;\n export {}\n';

export interface World {
  readonly project: FakeProject;
  /** Tokens by role: `api` scope unless the name says otherwise. */
  readonly tokens: {
    readonly developer: string;
    readonly developerReadApi: string;
    readonly reporter: string;
    readonly guest: string;
    readonly outsider: string;
    readonly job: string;
  };
}

/** One private project `acme/platform/app` with members of every role and merge request !7. */
export function seedWorld(gitlab: FakeGitLab): World {
  const author = gitlab.addUser({ username: 'alice' });
  const developer = gitlab.addUser({ username: 'scanner-bot' });
  const reporter = gitlab.addUser({ username: 'reporter' });
  const guest = gitlab.addUser({ username: 'guest' });
  const outsider = gitlab.addUser({ username: 'outsider' });
  const project = gitlab.addProject({ path: 'acme/platform/app' });
  gitlab.addMember(project, author, 40);
  gitlab.addMember(project, developer, 30);
  gitlab.addMember(project, reporter, 20);
  gitlab.addMember(project, guest, 10);
  gitlab.addMergeRequest(project, {
    iid: 7,
    baseSha: BASE,
    startSha: START,
    headSha: HEAD,
    author,
    files: [
      { path: 'src/app.ts', diff: APP_DIFF },
      { path: 'docs/new.md', newFile: true, diff: '@@ -0,0 +1,2 @@\n+# Title\n+text\n' },
      { path: 'src/new-name.ts', oldPath: 'src/old-name.ts', diff: '@@ -10,2 +10,2 @@\n a\n-b\n+c\n' },
    ],
  });
  return {
    project,
    tokens: {
      developer: gitlab.addToken(developer, { scopes: ['api'] }),
      developerReadApi: gitlab.addToken(developer, { scopes: ['read_api'] }),
      reporter: gitlab.addToken(reporter, { scopes: ['api'] }),
      guest: gitlab.addToken(guest, { scopes: ['api'] }),
      outsider: gitlab.addToken(outsider, { scopes: ['api'] }),
      job: gitlab.addToken(developer, { scopes: [], kind: 'job' }),
    },
  };
}

/** One try per request (the fake's answers are what the tests look at), loopback allowed. */
export function onceClient(): HttpClient {
  return createHttpClient({
    policy: createEgressPolicy({ allowPrivateNetworks: true, allowlist: [], allowAnyPort: true }),
    retry: { attempts: 1 },
    circuitBreaker: { threshold: 10_000 },
  });
}

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: any;
}

/**
 * @example
 * const send = sender(http, () => gitlab.url);
 * await send('POST', '/api/v4/projects/1/merge_requests/7/notes', { token, json: { body: 'hi' } });
 */
export function sender(http: HttpClient, root: () => string) {
  return async (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options: { token?: string; headers?: Record<string, string>; json?: unknown } = {},
  ): Promise<Answer> => {
    const response = await http.request({
      method,
      url: `${root()}${path}`,
      headers: { ...(options.token ? { 'private-token': options.token } : {}), ...(options.headers ?? {}) },
      ...(options.json === undefined ? {} : { json: options.json }),
      okStatuses: [400, 401, 403, 404, 409, 422, 429, 500, 501, 502, 503],
    });
    const text = response.text();
    const json = /json/.test(response.headers['content-type'] ?? '') && text !== '' ? JSON.parse(text) : text;
    return { status: response.status, headers: response.headers, body: json };
  };
}
