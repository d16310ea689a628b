import { iso } from './route-context.js';
import {
  type FakeGitHubState,
  type FakeRunner,
  type FakeWorkflow,
  type FakeWorkflowRun,
  repoKey,
} from './state.js';

/** How the tests give the fake GitHub Actions workflows, workflow runs and self-hosted runners. */

export interface WorkflowOptions {
  /** Default `CI`. */
  readonly name?: string;
  /** Default `.github/workflows/<name in lower case>.yml`. */
  readonly path?: string;
  readonly state?: FakeWorkflow['state'];
}

export interface WorkflowRunOptions {
  /** Default `main`. */
  readonly branch?: string;
  /** Default `push`. */
  readonly event?: string;
  /** Default `completed`. */
  readonly status?: FakeWorkflowRun['status'];
  /** Default `success` when completed, else none. */
  readonly conclusion?: string | null;
  /** Default 40 × `b`. */
  readonly headSha?: string;
}

export interface RunnerOptions {
  /** Default `online`. */
  readonly status?: FakeRunner['status'];
  /** Default `Linux`. */
  readonly os?: string;
  readonly busy?: boolean;
  /** Default `self-hosted`, the OS and `X64`. */
  readonly labels?: readonly string[];
}

export interface ActionsSeeding {
  /** A workflow of `owner/name`. */
  addWorkflow(repository: string, options?: WorkflowOptions): FakeWorkflow;
  /** A run of `workflow`, newer than every run before it; its number follows the workflow's last one. */
  addWorkflowRun(workflow: FakeWorkflow, options?: WorkflowRunOptions): FakeWorkflowRun;
  /** A self-hosted runner of the organisation `org`. */
  addRunner(org: string, name: string, options?: RunnerOptions): FakeRunner;
  /** Sets every runner of `org` online or offline (as when their machines stop); resolves to how many. */
  setRunnersStatus(org: string, status: FakeRunner['status']): number;
}

/**
 * The seeding methods over `state`; `now` dates workflows and runs.
 *
 * @example
 * const github = await startFakeGitHub({ installations: [{ id: 100, repositories: ['acme/app'], permissions: CI_PERMISSIONS }] });
 * const ci = github.addWorkflow('acme/app', { name: 'CI' });
 * github.addWorkflowRun(ci, { conclusion: 'failure' });
 * github.addRunner('acme', 'build-1');
 */
export function actionsSeeding(state: FakeGitHubState, now: () => number): ActionsSeeding {
  return {
    addWorkflow(repository, options = {}) {
      const name = options.name ?? 'CI';
      const workflow: FakeWorkflow = {
        id: state.nextId++,
        repository: repoKey(...(repository.split('/') as [string, string])),
        name,
        path: options.path ?? `.github/workflows/${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.yml`,
        state: options.state ?? 'active',
        createdAt: iso(now()),
      };
      state.workflows.push(workflow);
      return workflow;
    },
    addWorkflowRun(workflow, options = {}) {
      const status = options.status ?? 'completed';
      const previous = state.workflowRuns.filter((run) => run.workflowId === workflow.id).length;
      const run: FakeWorkflowRun = {
        id: state.nextId++,
        repository: workflow.repository,
        workflowId: workflow.id,
        name: workflow.name,
        runNumber: previous + 1,
        headBranch: options.branch ?? 'main',
        headSha: options.headSha ?? 'b'.repeat(40),
        event: options.event ?? 'push',
        status,
        conclusion:
          options.conclusion === undefined ? (status === 'completed' ? 'success' : null) : options.conclusion,
        createdAt: iso(now()),
      };
      state.workflowRuns.push(run);
      return run;
    },
    addRunner(org, name, options = {}) {
      const os = options.os ?? 'Linux';
      const runner: FakeRunner = {
        id: state.nextId++,
        org: org.toLowerCase(),
        name,
        os,
        status: options.status ?? 'online',
        busy: options.busy ?? false,
        labels: [...(options.labels ?? ['self-hosted', os, 'X64'])],
      };
      state.runners.push(runner);
      return runner;
    },
    setRunnersStatus(org, status) {
      const runners = state.runners.filter((runner) => runner.org === org.toLowerCase());
      for (const runner of runners) {
        runner.status = status;
        if (status === 'offline') runner.busy = false;
      }
      return runners.length;
    },
  };
}
