import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  ConflictError,
  type FieldProblem,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  PreconditionFailedError,
  UnauthenticatedError,
  UnprocessableError,
  UpstreamError,
} from '../core/errors.js';

/** The one place errors become HTTP responses: `{ error: { code, message, traceId, details } }`. */
export function errorResponse(error: unknown, request: FastifyRequest): { status: number; body: unknown } {
  const known = toAppError(error);
  const status = known ? statusOf(known) : 500;
  if (!known || status >= 500) {
    request.log.error({ err: error }, 'request failed');
  }
  const body = {
    error: {
      code: known?.code ?? 'internal',
      message: known?.message ?? 'an internal error occurred; the trace id identifies it in the logs',
      traceId: request.id,
      ...(known?.details !== undefined ? { details: known.details } : {}),
    },
  };
  return { status, body };
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = errorResponse(error, request);
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="integrations"');
  void reply.status(status).send(body);
}

function statusOf(error: AppError): number {
  if (error instanceof InvalidInputError) return 400;
  if (error instanceof UnauthenticatedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof PreconditionFailedError) return 412;
  if (error instanceof UnprocessableError) return 422;
  // Offline mode sent nothing: the service, not the system behind it, declines until it is set online.
  if (error.code === 'offline') return 503;
  if (error instanceof UpstreamError) return error.isTransient ? 503 : 502;
  if (error.code === 'payload_too_large') return 413;
  if (error.code === 'unsupported_media_type') return 415;
  return 500;
}

/** Turns Fastify's own errors (validation, body parsing) into ours; leaves ours as they are. */
function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError & { validationContext?: string };
  if (fastifyError.validation) {
    // Fields are named as the service names them elsewhere: /body/…, /query/…, /params/…, /headers/….
    const context =
      fastifyError.validationContext === 'querystring' ? 'query' : (fastifyError.validationContext ?? 'body');
    // A nullable field (`string | null`) fails both branches and then the anyOf: report it once.
    const isNullBranch = (issue: { keyword: string; params: unknown }) =>
      issue.keyword === 'type' && (issue.params as { type?: unknown }).type === 'null';
    const nullable = new Set(fastifyError.validation.filter(isNullBranch).map((i) => i.instancePath));
    const issues = fastifyError.validation.filter((i) => i.keyword !== 'anyOf' && !isNullBranch(i));
    const problems: FieldProblem[] = (issues.length > 0 ? issues : fastifyError.validation).map((issue) => {
      const params = issue.params as { missingProperty?: string; additionalProperty?: string };
      const base = `/${context}${issue.instancePath}`;
      if (params.missingProperty)
        return { field: `${base}/${params.missingProperty}`, message: 'is required' };
      if (params.additionalProperty) {
        return { field: `${base}/${params.additionalProperty}`, message: 'is not a known field' };
      }
      if (issue.keyword === 'enum') {
        const allowed = (issue.params as { allowedValues: unknown[] }).allowedValues.map((v) =>
          JSON.stringify(v),
        );
        return { field: base, message: `must be one of ${allowed.join(', ')}` };
      }
      if (issue.keyword === 'type' && nullable.has(issue.instancePath)) {
        return { field: base, message: `${issue.message ?? 'has the wrong type'} or null` };
      }
      return { field: base, message: issue.message ?? 'is not valid' };
    });
    const summary = problems.map((p) => `${p.field} ${p.message}`).join('; ');
    return new InvalidInputError(summary, problems);
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'the request body is larger than the 1 MiB limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? new AppError('unsupported_media_type', 'send the body as application/json')
        : new InvalidInputError('the Content-Length header does not match the body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidInputError('the body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidInputError('the body is not valid JSON');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return new InvalidInputError('the request URL is not valid');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new InvalidInputError('a path segment of the request URL is longer than 200 characters');
    default:
      break;
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    if (fastifyError.statusCode === 413) return new AppError('payload_too_large', fastifyError.message);
    if (fastifyError.statusCode === 415) return new AppError('unsupported_media_type', fastifyError.message);
    return new InvalidInputError(fastifyError.message);
  }
  return undefined;
}
