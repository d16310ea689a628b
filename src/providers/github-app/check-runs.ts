import { createHash } from 'node:crypto';
import { fitMarkdown } from '../../annotations/fit-markdown.js';
import { batches, PLATFORM_LIMITS } from '../../annotations/limits.js';
import type { LevelMapping } from '../../annotations/policy.js';
import type { Severity } from '../../annotations/severity.js';
import { cutText } from '../../annotations/text.js';
import {
  CHECK_RUN_CONCLUSIONS,
  CHECK_RUN_STATUSES,
  type ScmAnnotationLevel,
  type ScmCheckRunAnnotation,
  type ScmCheckRunRequest,
  type ScmCheckRunResponse,
  type WriteAction,
} from '../../plugins/contracts.js';
import { GITHUB_ANNOTATION_LEVELS } from './config.js';
import { GitHubAppError } from './errors.js';
import { CheckRunListSchema, CheckRunSchema, parse } from './responses.js';
import type { GitHubSession } from './session.js';

/**
 * Check runs with every annotation delivered (reference scm-platforms.md §1.7). GitHub takes 50 per
 * request and appends them on each update, so: create with the first 50 (completed at once when that is
 * all), add the rest 50 at a time, and complete with the last batch: ceil(n / 50) requests, the least
 * possible. An `external_id` that hashes the content lets a second run with the same input find the first
 * and write nothing.
 */

/** An annotation as callers may give it: columns, and a severity the integration maps to a level. */
export interface GitHubCheckRunAnnotation extends ScmCheckRunAnnotation {
  readonly startColumn?: number;
  readonly endColumn?: number;
  /** When present, the level comes from the integration's `levelMapping`, not `annotationLevel`. */
  readonly severity?: Severity;
}

export interface GitHubCheckRunRequest extends ScmCheckRunRequest {
  readonly annotations?: readonly GitHubCheckRunAnnotation[];
}

export interface GitHubCheckRunResponse extends ScmCheckRunResponse {
  readonly action: WriteAction;
}

const LIMITS = PLATFORM_LIMITS.github;
const CONCLUSIONS: readonly string[] = CHECK_RUN_CONCLUSIONS;
const STATUSES: readonly string[] = CHECK_RUN_STATUSES;

interface WireAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: ScmAnnotationLevel;
  message: string;
  title?: string;
}

/**
 * GitHub's form of one annotation: the level from the mapping when a severity is given; columns only when
 * the annotation starts and ends on one line; title and message cut to GitHub's limits.
 */
export function toWireAnnotation(
  annotation: GitHubCheckRunAnnotation,
  mapping: LevelMapping,
): WireAnnotation {
  const start = Math.max(1, Math.floor(annotation.startLine));
  const end = Math.max(start, Math.floor(annotation.endLine));
  const level =
    annotation.severity !== undefined && mapping[annotation.severity] !== undefined
      ? mapping[annotation.severity]
      : (GITHUB_ANNOTATION_LEVELS as readonly string[]).includes(annotation.annotationLevel)
        ? annotation.annotationLevel
        : 'warning';
  const message = annotation.message === '' ? (annotation.title ?? 'finding') : annotation.message;
  const wire: WireAnnotation = {
    path: annotation.path.replace(/^(\.\/)+/, '').replace(/^\/+/, ''),
    start_line: start,
    end_line: end,
    annotation_level: level,
    message: cutText(message, { chars: LIMITS.annotationMessageBytes, bytes: LIMITS.annotationMessageBytes }),
  };
  const { startColumn, endColumn } = annotation;
  if (
    start === end &&
    startColumn !== undefined &&
    endColumn !== undefined &&
    startColumn >= 1 &&
    startColumn <= endColumn
  ) {
    wire.start_column = Math.floor(startColumn);
    wire.end_column = Math.floor(endColumn);
  }
  if (annotation.title) wire.title = cutText(annotation.title, { chars: LIMITS.annotationTitleLength });
  return wire;
}

export async function ensureCheckRun(
  session: GitHubSession,
  request: GitHubCheckRunRequest,
  mapping: LevelMapping,
): Promise<GitHubCheckRunResponse> {
  const { owner, repository: repo, headSha } = request;
  const target = { owner, repo };
  if (request.conclusion !== undefined && !CONCLUSIONS.includes(request.conclusion)) {
    throw new GitHubAppError(`conclusion must be one of ${CONCLUSIONS.join(', ')}`);
  }
  if (request.conclusion === 'action_required') {
    throw new GitHubAppError(
      'conclusion action_required needs a details URL, which this provider does not send',
    );
  }
  if (request.status !== undefined && !STATUSES.includes(request.status)) {
    throw new GitHubAppError(`status must be one of ${STATUSES.join(', ')}`);
  }
  if (request.status === 'completed' && request.conclusion === undefined) {
    throw new GitHubAppError('a completed check run needs a conclusion');
  }

  const name = cutText(request.name.trim() || session.config.checkRunName, {
    chars: LIMITS.annotationTitleLength,
  });
  const annotations = (request.annotations ?? []).map((annotation) => toWireAnnotation(annotation, mapping));
  const cutToLimit = (text: string) =>
    fitMarkdown(
      text,
      { chars: LIMITS.checkRunSummaryLength, bytes: LIMITS.checkRunSummaryLength },
      "GitHub's limit of 65,535 characters",
    );
  const summary = cutToLimit(request.summary?.trim() ? request.summary : `${annotations.length} annotations`);
  const text = request.text === undefined ? undefined : cutToLimit(request.text);
  const output = { title: name, summary, ...(text === undefined ? {} : { text }) };
  const final: Record<string, string> =
    request.conclusion !== undefined
      ? { status: 'completed', conclusion: request.conclusion }
      : request.status !== undefined
        ? { status: request.status }
        : {};
  const externalId = `ic1-${createHash('sha256')
    .update(JSON.stringify({ name, headSha, final, output, annotations }))
    .digest('hex')
    .slice(0, 40)}`;

  return session.exclusive(`check:${owner}/${repo}@${headSha}:${name}`, async () => {
    const existing = await findSame(session, target, headSha, name, externalId);
    if (
      existing &&
      existing.output.annotations_count === annotations.length &&
      existing.status === (final.status ?? existing.status)
    ) {
      return {
        checkRunId: String(existing.id),
        url: existing.html_url,
        annotationsPosted: annotations.length,
        action: 'unchanged',
      };
    }

    const chunks = annotations.length === 0 ? [[]] : batches(annotations);
    const completedAt = () =>
      final.status === 'completed' ? { completed_at: new Date(session.context.now()).toISOString() } : {};
    const created = parse(
      CheckRunSchema,
      (
        await session.write(target, {
          route: 'POST /repos/{owner}/{repo}/check-runs',
          params: {
            owner,
            repo,
            name,
            head_sha: headSha,
            external_id: externalId,
            ...(chunks.length === 1 ? { ...final, ...completedAt() } : { status: 'in_progress' }),
            output: { ...output, annotations: chunks[0] },
          },
          operation: 'create_check_run',
        })
      ).data,
      'POST check run',
    );
    for (let index = 1; index < chunks.length; index++) {
      const last = index === chunks.length - 1;
      await session.write(target, {
        route: 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
        params: {
          owner,
          repo,
          check_run_id: created.id,
          ...(last ? { ...final, ...completedAt() } : {}),
          // Annotations are appended on each update; never retried, or they would be added twice.
          output: { title: name, summary, annotations: chunks[index] },
        },
        operation: 'update_check_run',
      });
    }
    return {
      checkRunId: String(created.id),
      url: created.html_url,
      annotationsPosted: annotations.length,
      action: 'created',
    };
  });
}

/** The latest run of `name` on `headSha` by this App, if it was made from the same content. */
async function findSame(
  session: GitHubSession,
  target: { owner: string; repo: string },
  ref: string,
  name: string,
  externalId: string,
) {
  const slug = session.config.appSlug ?? (await session.app()).slug;
  const response = await session.read(target, {
    route: 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
    params: { ...target, ref, check_name: name, filter: 'latest', per_page: 100 },
    operation: 'list_check_runs',
  });
  const runs = parse(CheckRunListSchema, response.data, 'GET check runs for ref').check_runs;
  return runs.find(
    (run) => run.external_id === externalId && (run.app?.slug === undefined || run.app.slug === slug),
  );
}
