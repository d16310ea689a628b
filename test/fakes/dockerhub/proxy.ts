import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/* The plumbing of the registry front: passing requests on, asking the token server, serving on loopback. */

export function addressOf(request: IncomingMessage): string {
  return (request.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** Passes the request on to the registry; `adjust` may change the answer's headers before they go out. */
export function forward(
  request: IncomingMessage,
  url: URL,
  target: string,
  response: ServerResponse,
  adjust: (status: number, headers: Record<string, string | string[] | undefined>) => void,
) {
  const headers: Record<string, string> = {};
  for (const name of ['accept', 'authorization'] as const) {
    const value = request.headers[name];
    if (value) headers[name] = value;
  }
  const upstream = httpRequest(
    new URL(`${url.pathname}${url.search}`, target),
    { method: request.method, headers },
    (answer) => {
      const kept: Record<string, string | string[] | undefined> = { ...answer.headers };
      delete kept.connection;
      delete kept['keep-alive'];
      adjust(answer.statusCode ?? 502, kept);
      response.writeHead(answer.statusCode ?? 502, kept);
      answer.pipe(response);
    },
  );
  upstream.on('error', (error) => {
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
    response.end(`registry unreachable: ${error.message}`);
  });
  upstream.end();
}

export function getJson(
  url: URL,
  authorization: string,
): Promise<{ status: number; text: string; json?: unknown }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      { method: 'GET', headers: { authorization, accept: 'application/json' } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: answer.statusCode ?? 502, text, json });
        });
        answer.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function stop(server: Server): Promise<void> {
  return new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}
