import { generateKeyPairSync, type KeyObject, randomBytes, randomInt } from 'node:crypto';

/**
 * Service accounts and their keys as Google hands them out: an RSA 2048 key pair per key, the private
 * half in a JSON key file ("Create and delete service account keys", the `JSON` key type) with PKCS#8
 * PEM, a 40-hex-digit `private_key_id` and Google's token URI; the public half kept by the fake token
 * service to verify assertions.
 */

/** The JSON key file, field for field as Google writes it. */
export interface ServiceAccountKeyFile {
  readonly type: 'service_account';
  readonly project_id: string;
  readonly private_key_id: string;
  readonly private_key: string;
  readonly client_email: string;
  readonly client_id: string;
  readonly auth_uri: string;
  readonly token_uri: string;
  readonly auth_provider_x509_cert_url: string;
  readonly client_x509_cert_url: string;
  readonly universe_domain: string;
}

export interface AccountKey {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  disabled: boolean;
}

export interface ServiceAccount {
  readonly email: string;
  readonly projectId: string;
  readonly clientId: string;
  readonly keys: Map<string, AccountKey>;
  disabled: boolean;
}

/** `scanner@acme-prod.iam.gserviceaccount.com` for the name `scanner` in project `acme-prod`. */
export const emailOf = (name: string, projectId: string) => `${name}@${projectId}.iam.gserviceaccount.com`;

export function newAccount(email: string, projectId: string): ServiceAccount {
  const clientId = `1${Array.from({ length: 20 }, () => randomInt(10)).join('')}`;
  return { email, projectId, clientId, keys: new Map(), disabled: false };
}

/** A new key of `account`: the public half kept in it, the key file returned. */
export function newKey(account: ServiceAccount): ServiceAccountKeyFile {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = randomBytes(20).toString('hex');
  account.keys.set(keyId, { keyId, publicKey, disabled: false });
  return {
    type: 'service_account',
    project_id: account.projectId,
    private_key_id: keyId,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: account.email,
    client_id: account.clientId,
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(account.email)}`,
    universe_domain: 'googleapis.com',
  };
}
