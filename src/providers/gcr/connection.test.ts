import { describe, expect, it } from 'vitest';
import { Secret, SecretBundle } from '../../secrets/index.js';
import { adviceFor } from './connection.js';
import { googleRegistryOf } from './endpoint.js';
import { standaloneKey } from './gcr.test-kit.js';
import { readGoogleCredential } from './key.js';

const config = { plainHttp: false, nonGoogleHost: false };
const key = readGoogleCredential(Secret.from(JSON.stringify(standaloneKey('scanner', 'acme-prod'))));
const token = readGoogleCredential(
  SecretBundle.fromStrings({ username: 'oauth2accesstoken', password: 'ya29.x' }),
);

describe('what a failed registry check advises', () => {
  it('names the Artifact Registry role, the account and the project', () => {
    const advice = adviceFor(googleRegistryOf('https://europe-west1-docker.pkg.dev', config), key, config);

    expect(advice.role).toBe(
      'grant the service account scanner@acme-prod.iam.gserviceaccount.com the role roles/artifactregistry.reader on project acme-prod (or on the repository)',
    );
    expect(advice.refused).toMatch(/cloud-platform .*Artifact Registry API enabled/);
  });

  it("adds Container Registry's bucket for gcr.io hosts, regional ones included, and prefers config.project", () => {
    const global = adviceFor(googleRegistryOf('https://gcr.io', config), key, config);
    const regional = adviceFor(googleRegistryOf('https://eu.gcr.io', config), key, {
      ...config,
      project: 'other-proj',
    });

    expect(global.role).toMatch(
      /roles\/storage\.objectViewer on its bucket artifacts\.acme-prod\.appspot\.com$/,
    );
    expect(regional.role).toMatch(/on project other-proj .*bucket eu\.artifacts\.other-proj\.appspot\.com$/);
  });

  it("speaks of the access token's account when there is no key, and of any project", () => {
    const advice = adviceFor(googleRegistryOf('https://us-docker.pkg.dev', config), token, config);

    expect(advice.role).toBe(
      "grant the access token's account the role roles/artifactregistry.reader on the project or the repository",
    );
  });
});
