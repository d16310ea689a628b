import { createHmac, hkdfSync } from 'node:crypto';
import type { MasterKeyring } from '../master-key.js';
import { Secret, type SecretValue } from '../secret.js';

/**
 * Keyed fingerprints of secret values for the audit trail and `secret_versions.fingerprint`:
 * `HMAC-SHA256(HKDF-SHA256(masterKey, info = "authref/v1/fingerprint"), value)`, truncated to 16 bytes,
 * prefixed with the first 8 hex digits of the master key id: `a1b2c3d4:9f…` (41 characters). Equal
 * values give equal fingerprints under one master key, so an operator can tell "the credential
 * changed" or check a suspected leak without the trail ever holding the value (like Vault's audit
 * HMACs). After a master key rotation fingerprints change; the prefix says which key made one.
 */
export interface Fingerprinter {
  fingerprint(value: SecretValue): string;
}

const INFO = Buffer.from('authref/v1/fingerprint', 'utf8');

/**
 * @example
 * const fingerprints = createFingerprinter(masterKeys);
 * fingerprints.fingerprint(Secret.from('token')); // 'a1b2c3d4:5e0f…'
 */
export function createFingerprinter(masterKeys: MasterKeyring): Fingerprinter {
  const derived = new Map<string, Buffer>();
  const keyFor = (): { id: string; key: Buffer } => {
    const master = masterKeys.active();
    let key = derived.get(master.id);
    if (!key) {
      key = Buffer.from(master.secret.use((bytes) => hkdfSync('sha256', bytes, Buffer.alloc(0), INFO, 32)));
      derived.set(master.id, key);
    }
    return { id: master.id, key };
  };
  return {
    fingerprint(value) {
      const { id, key } = keyFor();
      const hmac = createHmac('sha256', key);
      if (value instanceof Secret) {
        value.use((bytes) => hmac.update(bytes));
      } else {
        // A bundle: its fields in name order, as JSON, so field order never changes the fingerprint.
        hmac.update(value.use((fields) => JSON.stringify(Object.fromEntries(Object.entries(fields).sort()))));
      }
      return `${id.slice(0, 8)}:${hmac.digest('hex').slice(0, 32)}`;
    },
  };
}
