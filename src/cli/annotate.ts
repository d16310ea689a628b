import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { AnnotateResult } from '../catalog/annotate-service.js';
import type { RecordedScm } from '../plugins/contracts.js';
import { createApiClient } from './client.js';
import { CliError, EXIT } from './exit-codes.js';
import { integrationId } from './find-integration.js';
import { registerOfflineCommands } from './offline.js';
import { renderTable } from './table.js';

interface GlobalOptions {
  url: string;
  token?: string;
  json?: boolean;
}

interface AnnotateOptions {
  integration: string;
  sarif?: string;
  findings?: string;
  repo: string;
  pr?: string;
  sha: string;
  scope?: string;
  diff?: string;
  failOn?: string;
  warnOn?: string;
  context?: string;
  checkRunName?: string;
  markerKey?: string;
  operations?: string;
  repositoryRoot?: string;
  targetUrl?: string;
  ascii?: boolean;
  dryRun?: boolean;
  fail: boolean;
}

function readFile(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${option} ${path}: ${(error as Error).message}`, EXIT.usage);
  }
}

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** The annotate request the options describe. */
export function annotateBody(options: AnnotateOptions): Record<string, unknown> {
  if ((options.sarif === undefined) === (options.findings === undefined)) {
    throw new CliError('give exactly one of --sarif FILE and --findings FILE', EXIT.usage);
  }
  const slash = options.repo.lastIndexOf('/');
  if (slash <= 0 || slash === options.repo.length - 1) {
    throw new CliError(`--repo must be OWNER/NAME, not '${options.repo}'`, EXIT.usage);
  }
  if (options.pr !== undefined && !/^\d{1,10}$/.test(options.pr)) {
    throw new CliError(`--pr must be a pull request number, not '${options.pr}'`, EXIT.usage);
  }
  const body: Record<string, unknown> = {
    owner: options.repo.slice(0, slash),
    repository: options.repo.slice(slash + 1),
    commitSha: options.sha,
    ...(options.pr === undefined ? {} : { pullRequestNumber: Number(options.pr) }),
  };
  if (options.sarif !== undefined) body.sarif = readFile(options.sarif, '--sarif');
  if (options.findings !== undefined) {
    try {
      body.findings = JSON.parse(readFile(options.findings, '--findings')) as unknown;
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(
        `--findings ${options.findings} is not JSON: ${(error as Error).message}`,
        EXIT.usage,
      );
    }
  }
  if (options.failOn !== undefined || options.warnOn !== undefined) {
    body.policy = {
      ...(options.failOn === undefined
        ? {}
        : { failOn: options.failOn.trim() === 'never' ? 'never' : list(options.failOn) }),
      ...(options.warnOn === undefined ? {} : { warnOn: list(options.warnOn) }),
    };
  }
  if (options.scope !== undefined) body.scope = options.scope;
  if (options.diff !== undefined) body.diff = readFile(options.diff, '--diff');
  if (options.context !== undefined) body.context = options.context;
  if (options.checkRunName !== undefined) body.checkRunName = options.checkRunName;
  if (options.markerKey !== undefined) body.markerKey = options.markerKey;
  if (options.operations !== undefined) body.operations = list(options.operations);
  if (options.repositoryRoot !== undefined) body.repositoryRoot = options.repositoryRoot;
  if (options.targetUrl !== undefined) body.targetUrl = options.targetUrl;
  if (options.ascii) body.asciiOnly = true;
  if (options.dryRun) body.dryRun = true;
  return body;
}

/** `integrations annotate`, `integrations recorded` and the `integrations offline …` commands. */
export function registerAnnotateCommands(program: Command): void {
  const globals = () => program.opts<GlobalOptions>();
  const client = () => createApiClient({ url: globals().url, token: globals().token });
  const print = (value: unknown, human: () => string) =>
    process.stdout.write(globals().json ? `${JSON.stringify(value, null, 2)}\n` : human());

  program
    .command('annotate')
    .description(
      'post scan results (SARIF or native findings) to a pull request or commit: comment, status and check run; ' +
        'exit 8 when the policy fails',
    )
    .requiredOption('--integration <name-or-id>', 'the SCM integration to post through')
    .option('--sarif <file>', 'a SARIF 2.1.0 file')
    .option('--findings <file>', 'a native findings report (JSON)')
    .requiredOption('--repo <owner/name>', 'the repository, e.g. acme/shop (GitLab: group/subgroup/project)')
    .option('--pr <number>', 'the pull request; without it only a status and a check run are posted')
    .requiredOption('--sha <sha>', 'the commit: 40 or 64 hex digits')
    .option('--scope <scope>', 'all, changed-files or changed-lines (the last two need --diff)')
    .option('--diff <file>', 'the pull request as a unified diff (git diff base...head)')
    .option('--fail-on <severities>', 'severities that fail the check, e.g. critical,high; or never')
    .option('--warn-on <severities>', 'severities that make the check a warning, e.g. medium')
    .option('--context <context>', 'status context (default security/scan); also names the comment')
    .option('--check-run-name <name>', 'check run name (default Security scan)')
    .option('--marker-key <key>', 'which comment is ours (default: from the context)')
    .option('--operations <list>', 'any of comment,status,checkRun,inline (default: all that apply)')
    .option('--repository-root <path>', 'the checkout the scanner saw, for absolute paths in the SARIF')
    .option('--target-url <url>', "the status's link")
    .option('--ascii', 'only ASCII characters in what is posted')
    .option('--dry-run', 'print the payloads; post nothing')
    .option('--no-fail', 'exit 0 even when the policy fails')
    .action(async (options: AnnotateOptions) => {
      const body = annotateBody(options);
      const api = client();
      const id = await integrationId(api, options.integration);
      const { body: result } = await api.post<AnnotateResult>(
        `/api/v1/integrations/${id}/scm/annotate`,
        body,
      );
      print(result, () => (result.dryRun ? describeDryRun(result) : describeResult(result)));
      const kept = result.operations.filter((operation) => operation.queued !== undefined).length;
      if (kept > 0 && !globals().json) {
        process.stderr.write(
          `warning: ${kept} payload${kept === 1 ? ' was' : 's were'} not posted and ${kept === 1 ? 'is' : 'are'} kept in the offline queue (integrations offline list)\n`,
        );
      }
      if (result.outcome === 'fail' && options.fail) process.exitCode = EXIT.policyFailed;
    });

  program
    .command('recorded')
    .description('what the SCM of an in-memory integration received: comments, statuses, check runs')
    .argument('<name-or-id>')
    .action(async (idOrName: string) => {
      const api = client();
      const id = await integrationId(api, idOrName);
      const { body } = await api.get<RecordedScm>(`/api/v1/integrations/${id}/scm/recorded`);
      print(body, () => describeRecorded(body));
    });

  registerOfflineCommands(program);
}

function headline(result: AnnotateResult): string {
  const target = `${result.owner}/${result.repository}${result.pullRequestNumber === null ? '' : `#${result.pullRequestNumber}`}`;
  const counts = Object.entries(result.counts)
    .map(([severity, count]) => `${count} ${severity}`)
    .join(', ');
  const { read, inline, fileLevel, outsideRepository, skipped } = result.findings;
  return (
    `${target} at ${result.commitSha.slice(0, 12)}: ${result.outcome.toUpperCase()} (${result.reason})\n` +
    `findings: ${read} read (${counts}); ${inline} inline, ${fileLevel} file level, ` +
    `${outsideRepository} outside the repository, ${skipped} skipped\n`
  );
}

function describeResult(result: AnnotateResult): string {
  const rows = result.operations.map((operation) => {
    const outcome = operation.result;
    const answer = (outcome?.result ?? {}) as Record<string, unknown>;
    const posted = operation.posted;
    const status = outcome?.success
      ? String(answer.action ?? 'posted')
      : operation.queued
        ? 'queued'
        : 'FAILED';
    let detail: string;
    if (operation.queued) detail = `kept as ${operation.queued.entryId}: ${operation.queued.reason}`;
    else if (!outcome?.success) detail = outcome?.errorMessage ?? '';
    else if (operation.operation === 'comment')
      detail = `comment ${answer.commentId}${answer.url ? ` ${answer.url}` : ''}`;
    else if (operation.operation === 'status')
      detail = `${posted.state} ${posted.context}: ${posted.description ?? ''}`;
    else if (operation.operation === 'inline')
      detail = `${answer.posted} inline comments posted, ${answer.unchanged} already there, ${answer.fallback} only in the check run (not on an added line)`;
    else
      detail = `check run ${answer.checkRunId}${answer.url ? ` ${answer.url}` : ''}: ${posted.conclusion}, ${posted.annotations} annotations`;
    return [operation.operation, status, detail];
  });
  return `${headline(result)}\n${renderTable(['OPERATION', 'RESULT', 'DETAIL'], rows)}`;
}

function describeDryRun(result: AnnotateResult): string {
  const payloads = (result.payloads ?? {}) as Record<string, Record<string, unknown>>;
  let out = `dry run: nothing was posted\n${headline(result)}`;
  const comment = payloads.comment;
  if (comment) {
    out += `\n--- comment on pull request #${comment.pullRequestNumber} ---\n${String(comment.body)}\n`;
  }
  const status = payloads.status;
  if (status) {
    out += `\n--- status ---\nstate: ${status.state}\ncontext: ${status.context}\ndescription: ${status.description}\n`;
  }
  const run = payloads.checkRun;
  if (run) {
    const annotations = (run.annotations ?? []) as Record<string, unknown>[];
    out += `\n--- check run ---\nname: ${run.name}\nconclusion: ${run.conclusion}\n${String(run.summary)}\n`;
    out += `\n${annotations.length} annotation${annotations.length === 1 ? '' : 's'}\n`;
    out += renderTable(
      ['LEVEL', 'LOCATION', 'TITLE'],
      annotations
        .slice(0, 50)
        .map((a) => [String(a.annotationLevel), `${a.path}:${a.startLine}`, String(a.title ?? '')]),
    );
    if (annotations.length > 50) out += `… ${annotations.length - 50} more\n`;
  }
  return out;
}

function describeRecorded(recorded: RecordedScm): string {
  let out = `comments (${recorded.comments.length}):\n`;
  for (const comment of recorded.comments) {
    out += `--- comment ${comment.id} on ${comment.pullRequest} (updated ${comment.updates} times) ---\n${comment.body}\n`;
  }
  out += `\nstatuses (${recorded.statuses.length}):\n`;
  out += renderTable(
    ['COMMIT', 'CONTEXT', 'STATE', 'DESCRIPTION'],
    recorded.statuses.map((s) => [s.commitSha.slice(0, 12), s.context, s.state, s.description ?? '']),
  );
  out += `\ncheck runs (${recorded.checkRuns.length}):\n`;
  out += renderTable(
    ['ID', 'HEAD', 'NAME', 'CONCLUSION', 'ANNOTATIONS', 'UPDATES'],
    recorded.checkRuns.map((r) => [
      r.id,
      r.headSha.slice(0, 12),
      r.name,
      r.conclusion ?? '-',
      String(r.annotations?.length ?? 0),
      String(r.updates),
    ]),
  );
  for (const run of recorded.checkRuns) {
    const annotations = run.annotations ?? [];
    if (annotations.length > 0) out += `annotations of check run ${run.id}:\n`;
    for (const a of annotations.slice(0, 20)) {
      out += `  ${a.annotationLevel.padEnd(8)} ${a.path}:${a.startLine}  ${a.title ?? a.message}\n`;
    }
    if (annotations.length > 20) out += `  … ${annotations.length - 20} more\n`;
  }
  return `${out}\nwrites: ${recorded.writes}\n`;
}
