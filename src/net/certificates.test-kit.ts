import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Throwaway certificates for TLS tests, made with the openssl CLI: a private CA, and server
 * certificates it issues for DNS names or IP addresses. EC P-256 keys, valid for a day.
 */

export interface TestCa {
  /** The CA certificate (PEM): what an integration's `caCertificate` holds. */
  readonly cert: string;
  readonly key: string;
}

export interface ServerCertificate {
  readonly cert: string;
  readonly key: string;
}

/** True when the openssl CLI runs here (tests that need it are skipped otherwise). */
export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function inTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'test-certs-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore', timeout: 10_000 });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed CA (basicConstraints CA:TRUE, keyCertSign) named `name`. */
export function makeCa(name: string): TestCa {
  return inTempDir((dir) => {
    openssl(
      ['req', '-x509', ...EC_KEY, '-days', '1', '-subj', `/CN=${name}`]
        .concat(['-addext', 'basicConstraints=critical,CA:TRUE'])
        .concat(['-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
        .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  });
}

/** A server certificate issued by `ca` for `names` (DNS names or IP addresses; the first is the CN). */
export function issueCertificate(ca: TestCa, names: readonly string[]): ServerCertificate {
  return inTempDir((dir) => {
    const san = names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
    writeFileSync(join(dir, 'ca.pem'), ca.cert);
    writeFileSync(join(dir, 'ca-key.pem'), ca.key);
    writeFileSync(
      join(dir, 'ext.cnf'),
      `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
    );
    openssl(
      ['req', ...EC_KEY, '-subj', `/CN=${names[0]}`].concat([
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'req.pem'),
      ]),
    );
    openssl(
      ['x509', '-req', '-in', join(dir, 'req.pem'), '-days', '1', '-CA', join(dir, 'ca.pem')]
        .concat(['-CAkey', join(dir, 'ca-key.pem'), '-CAcreateserial', '-extfile', join(dir, 'ext.cnf')])
        .concat(['-out', join(dir, 'cert.pem')]),
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  });
}
