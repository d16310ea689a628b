import { describe, expect, it } from 'vitest';
import { RegistryProtocolError } from '../oci/index.js';
import { describeReading, readHealthAnswer } from './health.js';

const body = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const SERVICES = {
  auth: true,
  database: true,
  disk_space: true,
  registry_gunicorn: true,
  service_key: true,
  web_gunicorn: true,
};

describe("reading Quay's health answers", () => {
  it('reads a healthy instance', () => {
    const reading = readHealthAnswer(
      'instance',
      200,
      body({ data: { services: SERVICES }, status_code: 200 }),
    );

    expect(reading).toEqual({ ok: true, services: SERVICES, failing: [] });
    expect(describeReading('instance', reading)).toBe("Quay's instance health check passes (6 services)");
  });

  it('reads a 503 naming the services that are down', () => {
    const services = { ...SERVICES, database: false, auth: false };

    const reading = readHealthAnswer('instance', 503, body({ data: { services }, status_code: 503 }));

    expect(reading.ok).toBe(false);
    expect(reading.failing).toEqual(['auth', 'database']);
    expect(describeReading('instance', reading)).toBe(
      "Quay's instance health check fails (HTTP 503): auth, database are down",
    );
  });

  it('says which services are down but not counted by Quay (redis and storage on one instance)', () => {
    const services = { ...SERVICES, redis: false };

    const reading = readHealthAnswer('instance', 200, body({ data: { services }, status_code: 200 }));

    expect(reading.ok).toBe(true);
    expect(describeReading('instance', reading)).toMatch(
      /passes; redis reports down but Quay does not count it/,
    );
  });

  it('ignores the debugging fields a superuser gets', () => {
    const reading = readHealthAnswer(
      'endtoend',
      200,
      body({ data: { services: { redis: true }, notes: [], hostname: 'quay-1' }, status_code: 200 }),
    );

    expect(reading.services).toEqual({ redis: true });
  });

  it.each([
    ['HTML', 200, '<html>login</html>', /not JSON/],
    ['an empty body', 200, '', /empty body/],
    ['no data', 200, { status: 'ok' }, /without data\.services/],
    ['services as a list', 200, { data: { services: ['db'] }, status_code: 200 }, /without data\.services/],
    ['no service', 200, { data: { services: {} }, status_code: 200 }, /no service/],
    [
      'a service as a string',
      200,
      { data: { services: { db: 'ok' } }, status_code: 200 },
      /'db'.*not true or false/,
    ],
    [
      'a status_code unlike the HTTP status',
      200,
      { data: { services: { db: true } }, status_code: 503 },
      /status_code 503/,
    ],
    ['no status_code', 503, { data: { services: { db: false } } }, /status_code undefined/],
    ['HTTP 404', 404, { data: { services: { db: true } }, status_code: 404 }, /HTTP 404/],
    ['JSON null', 200, 'null', /without data\.services/],
  ])('refuses %s as not being Quay, saying to check the endpoint', (_name, status, value, pattern) => {
    let error: unknown;
    try {
      readHealthAnswer('instance', status, body(value));
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(RegistryProtocolError);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).toMatch(/check that the endpoint is Quay's URL/);
  });

  it('refuses a body larger than 64 KiB without parsing it', () => {
    const huge = Buffer.alloc(70 * 1024, 0x20);

    expect(() => readHealthAnswer('warning', 200, huge)).toThrow(/larger than 64 KiB/);
  });
});
