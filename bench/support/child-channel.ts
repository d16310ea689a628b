import { type ChildProcess, fork } from 'node:child_process';

/** A message with a `type`, as benchmarks and their forked fakes exchange them. */
export interface Typed {
  readonly type: string;
}

/** Talking to a child process over IPC: wait for a reply of a given type, ask and wait, close. */
export interface ChildChannel<Request extends Typed, Reply extends Typed> {
  next<T extends Reply['type']>(type: T): Promise<Extract<Reply, { type: T }>>;
  ask<T extends Reply['type']>(request: Request, type: T): Promise<Extract<Reply, { type: T }>>;
  /** Sends `{ type: 'close' }` and waits for the child to exit. */
  close(): Promise<void>;
}

/**
 * Forks `modulePath` (fork passes this process's execArgv on, so a .ts file loads through tsx too)
 * and opens a channel to it. A child that exits while a reply is awaited rejects with `name`.
 */
export function forkChild<Request extends Typed, Reply extends Typed>(
  modulePath: string,
  args: readonly string[],
  name: string,
): ChildChannel<Request, Reply> {
  const child: ChildProcess = fork(modulePath, [...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T extends Reply['type']>(type: T) =>
    new Promise<Extract<Reply, { type: T }>>((resolve, reject) => {
      const onMessage = (message: Reply) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as Extract<Reply, { type: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`${name} exited (code ${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  return {
    next,
    ask(request, type) {
      const reply = next(type);
      child.send(request);
      return reply;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      await exited;
    },
  };
}
