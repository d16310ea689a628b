import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { QueueEntry, ReplayOutcome } from '../catalog/offline-queue-service.js';
import { type ApiClient, createApiClient } from './client.js';
import { CliError, EXIT } from './exit-codes.js';
import { integrationId } from './find-integration.js';
import { renderTable } from './table.js';

interface GlobalOptions {
  url: string;
  token?: string;
  json?: boolean;
}

/** Every entry the filters select, following the pages. */
async function entries(
  api: ApiClient,
  filters: { integration?: string; status?: string },
): Promise<QueueEntry[]> {
  const query = new URLSearchParams({ pageSize: '500' });
  if (filters.integration) query.set('integrationId', await integrationId(api, filters.integration));
  if (filters.status) query.set('status', filters.status);
  const items: QueueEntry[] = [];
  let next: string | null = null;
  do {
    if (next) query.set('pageToken', next);
    const { body } = await api.get<{ items: QueueEntry[]; nextPageToken: string | null }>(
      `/api/v1/offline-queue?${query}`,
    );
    items.push(...body.items);
    next = body.nextPageToken;
  } while (next);
  return items;
}

function where(entry: QueueEntry): string {
  const repo = `${entry.owner}/${entry.repository}`;
  if (entry.operation === 'comment' || entry.operation === 'inline')
    return `${repo}#${entry.pullRequestNumber}`;
  return `${repo}@${(entry.commitSha ?? '').slice(0, 12)}`;
}

/** How to post an entry by hand, per operation and platform. */
export function instructions(entry: QueueEntry): string {
  const { owner, repository, pullRequestNumber, commitSha } = entry;
  const replay = `Or, once the service can reach the SCM, run \`integrations offline replay ${entry.id}\` (safe to repeat: replaying twice posts once).`;
  switch (entry.operation) {
    case 'comment':
      return (
        `Post payload.body as a comment on pull request ${owner}/${repository}#${pullRequestNumber}. ` +
        `GitHub: POST /repos/${owner}/${repository}/issues/${pullRequestNumber}/comments with {"body": payload.body}; ` +
        `GitLab: POST /projects/<url-encoded ${owner}/${repository}>/merge_requests/${pullRequestNumber}/notes. ` +
        'If a comment whose first line equals the first line of payload.body exists, edit that one instead. ' +
        replay
      );
    case 'status':
      return (
        `Set the status of commit ${commitSha} in ${owner}/${repository} from payload.state, payload.context, ` +
        `payload.description and payload.targetUrl. GitHub: POST /repos/${owner}/${repository}/statuses/${commitSha} ` +
        '(state, context, description, target_url); GitLab: POST /projects/<id>/statuses/<sha> with name = context ' +
        '(state failure or error becomes failed). ' +
        replay
      );
    case 'checkRun':
      return (
        `Create a check run on commit ${commitSha} in ${owner}/${repository}. GitHub: POST /repos/${owner}/${repository}/check-runs ` +
        'with head_sha, name, status, conclusion and output {title: name, summary, text, annotations} — at most 50 ' +
        'annotations per request; send the rest with PATCH /repos/{owner}/{repo}/check-runs/{id}, 50 at a time ' +
        '(annotationLevel → annotation_level, startLine → start_line, endLine → end_line). Platforms without check ' +
        'runs: post payload.summary as a comment instead. ' +
        replay
      );
    case 'inline':
      return (
        `Post payload.findings as review comments on pull request ${owner}/${repository}#${pullRequestNumber} at commit ${commitSha}. ` +
        `GitHub: POST /repos/${owner}/${repository}/pulls/${pullRequestNumber}/reviews with event COMMENT and comments ` +
        '[{path, line: endLine, start_line: startLine when it differs, side: RIGHT, body}], the body starting with the ' +
        'marker line <!-- integrations-catalog:annotation key=<payload.markerKey> -->; only on lines the pull request ' +
        'added, and not where the same comment already is. The findings are in the check run too. ' +
        replay
      );
  }
}

/** `integrations offline list|export|replay`. */
export function registerOfflineCommands(program: Command): void {
  const globals = () => program.opts<GlobalOptions>();
  const client = () => createApiClient({ url: globals().url, token: globals().token });
  const print = (value: unknown, human: () => string) =>
    process.stdout.write(globals().json ? `${JSON.stringify(value, null, 2)}\n` : human());
  const offline = program
    .command('offline')
    .description('SCM payloads that were not posted (service offline, refused, out of retries)');

  offline
    .command('list')
    .description('the kept payloads of your tenant, oldest first')
    .option('--integration <name-or-id>', 'only this integration')
    .option('--status <status>', 'pending, replayed or superseded (default: all)')
    .action(async (options: { integration?: string; status?: string }) => {
      const items = await entries(client(), options);
      print({ items }, () =>
        renderTable(
          ['ID', 'OPERATION', 'TARGET', 'STATUS', 'CREATED', 'REASON'],
          items.map((e) => [e.id, e.operation, where(e), e.status, e.createdAt, e.reason]),
        ),
      );
    });

  offline
    .command('export')
    .description('write each pending payload as a JSON file, with instructions for posting it by hand')
    .requiredOption('--dir <dir>', 'directory to write to (created if missing)')
    .option('--integration <name-or-id>', 'only this integration')
    .action(async (options: { dir: string; integration?: string }) => {
      const items = await entries(client(), { ...options, status: 'pending' });
      const dir = resolve(options.dir);
      try {
        mkdirSync(dir, { recursive: true });
      } catch (error) {
        throw new CliError(`cannot create ${dir}: ${(error as Error).message}`, EXIT.usage);
      }
      const files = items.map((entry) => {
        const file = join(dir, `${entry.id}-${entry.operation}.json`);
        const document = {
          id: entry.id,
          integrationId: entry.integrationId,
          operation: entry.operation,
          target: {
            owner: entry.owner,
            repository: entry.repository,
            pullRequestNumber: entry.pullRequestNumber,
            commitSha: entry.commitSha,
          },
          reason: entry.reason,
          createdAt: entry.createdAt,
          instructions: instructions(entry),
          payload: entry.payload,
        };
        writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
        return { id: entry.id, operation: entry.operation, file };
      });
      print({ files }, () =>
        files.length === 0
          ? 'nothing pending: no file written\n'
          : renderTable(
              ['ID', 'OPERATION', 'FILE'],
              files.map((f) => [f.id, f.operation, f.file]),
            ),
      );
    });

  offline
    .command('replay')
    .description('post kept payloads now (idempotent); exit 1 when some are still not posted')
    .argument('[id]', 'one entry')
    .option('--all', 'every pending entry, oldest first')
    .option('--integration <name-or-id>', 'with --all: only this integration')
    .action(async (id: string | undefined, options: { all?: boolean; integration?: string }) => {
      if ((id === undefined) === !options.all) {
        throw new CliError('give an entry id or --all (not both)', EXIT.usage);
      }
      const api = client();
      const ids =
        id !== undefined ? [id] : (await entries(api, { ...options, status: 'pending' })).map((e) => e.id);
      const outcomes: ReplayOutcome[] = [];
      for (const entryId of ids) {
        outcomes.push((await api.post<ReplayOutcome>(`/api/v1/offline-queue/${entryId}/replay`, {})).body);
      }
      print({ outcomes }, () =>
        outcomes.length === 0
          ? 'nothing pending\n'
          : renderTable(
              ['ID', 'OPERATION', 'TARGET', 'RESULT'],
              outcomes.map((o) => [o.entry.id, o.entry.operation, where(o.entry), describeReplay(o)]),
            ),
      );
      if (outcomes.some((o) => o.entry.status === 'pending')) process.exitCode = EXIT.failure;
    });
}

function describeReplay(outcome: ReplayOutcome): string {
  if (outcome.posted) return 'posted';
  if (outcome.entry.status === 'replayed') return `already replayed at ${outcome.entry.replayedAt}`;
  if (outcome.entry.status === 'superseded') return 'superseded by a later payload: not posted';
  const result = outcome.result as { errorMessage?: string } | null;
  return `not posted: ${result?.errorMessage ?? 'unknown failure'}`;
}
