import type { HttpClient, HttpRequest, HttpResponse } from '../../../src/net/index.js';

/**
 * Lets a client under test use a vendor's real-looking address (`https://ghe.example.com/api/v3`) while
 * a fake on loopback answers: requests to `alias` go to `target` (the fake's `http://127.0.0.1:<port>`),
 * through the real outbound client (egress guard, retries, metrics), and the answer's URL is given back
 * under `alias`. It plays the part a hosts-file entry and a TLS-terminating proxy would play in front of
 * a real server; nothing above the socket sees the loopback address. Other URLs pass through untouched.
 *
 * @example
 * const http = aliasHost(testHttpClient(), 'https://ghe.example.com', github.origin);
 * // an integration with endpoint 'https://ghe.example.com/api/v3/' now reaches the fake
 */
export function aliasHost(http: HttpClient, alias: string, target: string): HttpClient {
  const from = new URL(alias).origin;
  const to = new URL(target).origin;
  const swap = (url: string, a: string, b: string) =>
    url === a || url.startsWith(`${a}/`) || url.startsWith(`${a}?`) ? `${b}${url.slice(a.length)}` : url;
  return {
    async request(request: HttpRequest): Promise<HttpResponse> {
      const url = typeof request.url === 'string' ? request.url : request.url.href;
      const routed = swap(url, from, to);
      if (routed === url) return http.request(request);
      const response = await http.request({ ...request, url: routed });
      // `text()` and `json()` close over the body, not `this`: a copy keeps them working.
      return { ...response, url: swap(response.url, to, from) };
    },
    close: () => http.close(),
  };
}
