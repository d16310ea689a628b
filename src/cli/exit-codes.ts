/** Exit codes of the `integrations` command, so scripts can tell failures apart. */
export const EXIT = {
  ok: 0,
  failure: 1,
  /** Bad arguments or input the service refused (400). */
  usage: 2,
  /** Missing, wrong or insufficient token (401, 403). */
  auth: 3,
  notFound: 4,
  /** Conflicting or stale change (409, 412, 422). */
  conflict: 5,
  /** The service could not be reached or failed (5xx). */
  unavailable: 6,
  /** A connection test ran and the connection does not work. */
  testFailed: 7,
  /** `annotate`: the scan failed its policy (findings at a failing severity); `--no-fail` exits 0. */
  policyFailed: 8,
  /** The service's own configuration is invalid (EX_CONFIG). */
  config: 78,
} as const;

export function exitCodeForStatus(status: number): number {
  if (status === 400 || status === 413 || status === 415) return EXIT.usage;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 412 || status === 422) return EXIT.conflict;
  if (status >= 500) return EXIT.unavailable;
  return EXIT.failure;
}

/** An error the CLI reports as one line on stderr before exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
