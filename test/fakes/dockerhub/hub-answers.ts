import { createHmac, randomBytes } from 'node:crypto';
import type { HubRepository, HubUser } from './state.js';

/* How the fake Hub API writes its answers: query numbers, orderings, repositories, access tokens. */

export function integerOf(text: string): number | undefined {
  return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

export function orderBy(ordering: string) {
  const descending = ordering.startsWith('-');
  const field = ordering.replace(/^-/, '');
  return (a: HubRepository, b: HubRepository) => {
    const [x, y] = field === 'last_updated' ? [a.lastUpdated, b.lastUpdated] : [a.name, b.name];
    const order = x < y ? -1 : x > y ? 1 : 0;
    return descending ? -order : order;
  };
}

/** A repository as the listing describes it (the fields of Docker's example answer). */
export function describe(repository: HubRepository) {
  return {
    name: repository.name,
    namespace: repository.namespace,
    repository_type: 'image',
    status: 1,
    status_description: 'active',
    description: '',
    is_private: repository.isPrivate,
    star_count: 0,
    pull_count: 0,
    last_updated: repository.lastUpdated,
    last_modified: repository.lastUpdated,
    date_registered: repository.lastUpdated,
    affiliation: '',
    media_types: ['application/vnd.oci.image.index.v1+json'],
    content_types: ['image'],
    categories: [],
    storage_size: 0,
  };
}

/** An access token as Docker issues them: a JWT (signed here with a key of the fake, HS256). */
export function mintJwt(user: HubUser, nowMs: number, lifeS: number, key: Buffer): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(nowMs / 1000);
  const claims = {
    sub: user.id,
    username: user.username,
    iat,
    exp: iat + lifeS,
    jti: randomBytes(8).toString('hex'),
  };
  const input = `${part({ typ: 'JWT', alg: 'HS256' })}.${part(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}
