import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import type { AnnotateService } from '../../catalog/annotate-service.js';
import type { OfflineQueueService } from '../../catalog/offline-queue-service.js';
import { AppError, InvalidInputError } from '../../core/errors.js';
import {
  AnnotateBody,
  AnnotateResultSchema,
  CheckRunBody,
  CommentBody,
  DirectResultSchema,
  RecordedScmSchema,
  StatusBody,
} from '../annotate-schemas.js';
import { handleError } from '../error-handler.js';
import { errorResponses, IdParams } from '../schemas.js';
import type { ApiDeps } from '../server.js';
import { offlineQueueRoutes } from './offline-queue.js';

declare module '../server.js' {
  interface ApiDeps {
    /** Annotate and the lower-level SCM operations (src/catalog/annotate-service.ts). */
    readonly annotate: AnnotateService;
    /** Payloads that were not posted (src/catalog/offline-queue-service.ts). */
    readonly offlineQueue: OfflineQueueService;
  }
}

const security = [{ bearerToken: [] }];
const tags = ['annotations'];

/** SARIF logs of real scans run to megabytes: annotate takes bodies up to 32 MiB (others 1 MiB). */
export const ANNOTATE_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * Scan results into pull requests: `POST /integrations/{id}/scm/annotate`, the spec's three operations
 * (`…/scm/comments`, `…/scm/statuses`, `…/scm/check-runs`), what a recording provider received
 * (`GET …/scm/recorded`), and the offline queue (`/offline-queue`).
 */
export function annotateRoutes(deps: ApiDeps): FastifyPluginAsyncTypebox {
  const { annotate } = deps;
  return async (app) => {
    app.post(
      '/integrations/:id/scm/annotate',
      {
        config: { scope: 'integrations:write' },
        bodyLimit: ANNOTATE_BODY_LIMIT,
        errorHandler: (error, request, reply) => handleError(tooLarge(error), request, reply),
        schema: {
          tags,
          summary: 'Post scan results to a pull request or commit',
          description:
            'Reads the findings (native report or SARIF 2.1.0), builds the comment, commit status and check run, ' +
            'and posts them through the integration’s provider, one annotate at a time per pull request. ' +
            'Returns one ScmOperationResult per operation; payloads that could not be posted are kept in the ' +
            'offline queue (`queued`). `dryRun` returns the payloads and posts nothing. Body up to 32 MiB.',
          security,
          params: IdParams,
          body: AnnotateBody,
          response: { 200: AnnotateResultSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      async (request) => annotate.annotate(request.principal, request.params.id, request.body),
    );

    app.post(
      '/integrations/:id/scm/comments',
      {
        config: { scope: 'integrations:write' },
        schema: {
          tags,
          summary: 'Post or update a pull request comment (ScmCommentRequest)',
          description:
            'The spec’s PostComment: with `updateExisting` (default) our earlier comment is updated in place.',
          security,
          params: IdParams,
          body: CommentBody,
          response: { 200: DirectResultSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      async (request) =>
        annotate.send(request.principal, request.params.id, { operation: 'comment', request: request.body }),
    );

    app.post(
      '/integrations/:id/scm/statuses',
      {
        config: { scope: 'integrations:write' },
        schema: {
          tags,
          summary: 'Set a commit status (ScmStatusRequest)',
          security,
          params: IdParams,
          body: StatusBody,
          response: { 200: DirectResultSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      async (request) =>
        annotate.send(request.principal, request.params.id, {
          operation: 'status',
          request: { ...request.body, commitSha: request.body.commitSha.toLowerCase() },
        }),
    );

    app.post(
      '/integrations/:id/scm/check-runs',
      {
        config: { scope: 'integrations:write' },
        schema: {
          tags,
          summary: 'Create a check run with line annotations (ScmCheckRunRequest)',
          security,
          params: IdParams,
          body: CheckRunBody,
          response: { 200: DirectResultSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      async (request) => {
        const body = request.body;
        body.annotations?.forEach((annotation, index) => {
          if (annotation.endLine < annotation.startLine) {
            throw InvalidInputError.field(
              `/body/annotations/${index}/endLine`,
              'must not be before startLine',
            );
          }
        });
        return annotate.send(request.principal, request.params.id, {
          operation: 'checkRun',
          request: { ...body, headSha: body.headSha.toLowerCase() },
        });
      },
    );

    app.get(
      '/integrations/:id/scm/recorded',
      {
        config: { scope: 'integrations:read' },
        schema: {
          tags,
          summary: 'What a recording SCM received (in-memory provider)',
          description:
            'The comments, statuses and check runs the provider’s SCM holds, for demos and tests. Only providers ' +
            'that record (`in_memory`) offer it; for others this is a 404. Kept in process memory: lost on restart.',
          security,
          params: IdParams,
          response: { 200: RecordedScmSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const recorded = await annotate.recorded(request.principal, request.params.id);
        return {
          comments: [...recorded.comments],
          statuses: [...recorded.statuses],
          checkRuns: [...recorded.checkRuns],
          writes: recorded.writes,
        };
      },
    );

    await app.register(offlineQueueRoutes(deps));
  };
}

/** The shared handler names the 1 MiB limit; this route has its own. */
function tooLarge(error: unknown): unknown {
  return (error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE'
    ? new AppError('payload_too_large', 'the request body is larger than the 32 MiB limit of annotate')
    : error;
}
