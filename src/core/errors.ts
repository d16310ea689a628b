/**
 * The one error hierarchy of the service. Every layer throws these; the API maps them to HTTP in one
 * place (`api/error-handler.ts`), the CLI maps them to exit codes.
 *
 * @example
 * throw new NotFoundError('integration', id);
 */

/** One problem with one field of an input, as reported to the caller. */
export interface FieldProblem {
  /** JSON pointer-like path of the field, e.g. `/config/baseUrl`; empty for the whole input. */
  readonly field: string;
  readonly message: string;
}

/** Base class: a stable machine-readable `code`, a human message, optional details and cause. */
export class AppError extends Error {
  readonly code: string;
  readonly details: unknown;

  constructor(code: string, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

/** The input is malformed or violates a rule; `details` lists the fields at fault. */
export class InvalidInputError extends AppError {
  declare readonly details: readonly FieldProblem[];

  constructor(message: string, problems: readonly FieldProblem[] = [], options: { cause?: unknown } = {}) {
    super('invalid_request', message, { ...options, details: problems });
  }

  /** One field, one message. */
  static field(field: string, message: string): InvalidInputError {
    return new InvalidInputError(`${field || 'body'} ${message}`, [{ field, message }]);
  }
}

/** The thing does not exist, or exists in another tenant (indistinguishable on purpose). */
export class NotFoundError extends AppError {
  constructor(kind: string, id: string) {
    super('not_found', `${kind} '${id}' was not found`);
  }
}

/** The change conflicts with the current state, e.g. a duplicate name. */
export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super('conflict', message, { details });
  }
}

/** The caller's precondition (If-Match) no longer holds. */
export class PreconditionFailedError extends AppError {
  constructor(message: string) {
    super('precondition_failed', message);
  }
}

/** The request is well-formed but cannot be processed as it stands (e.g. an idempotency key reused). */
export class UnprocessableError extends AppError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** No valid credentials were presented. */
export class UnauthenticatedError extends AppError {
  constructor(message = 'a valid bearer token is required') {
    super('unauthenticated', message);
  }
}

/** The credentials are valid but lack the scope for this operation. */
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

/** The configuration of the service itself is wrong; start-up stops with this message. */
export class ConfigError extends AppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('config_invalid', message, options);
  }
}

/** An outside system failed. `isTransient` says whether trying again may help. */
export class UpstreamError extends AppError {
  readonly isTransient: boolean;

  constructor(message: string, options: { isTransient: boolean; cause?: unknown; details?: unknown }) {
    super(options.isTransient ? 'upstream_unavailable' : 'upstream_failed', message, options);
    this.isTransient = options.isTransient;
  }
}
