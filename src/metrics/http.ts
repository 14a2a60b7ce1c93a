/**
 * The HTTP endpoints of a sipclf daemon (`sipclf proxy`, `sipclf capture`): `GET /metrics` in the Prometheus
 * text format from a prom-client registry, `GET /health` as one JSON object, 405 for other methods, 404
 * elsewhere. One handler for both daemons; the caller binds it (loopback by default, checked by the caller).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export function metricsHandler(registry: Registry, health: () => object): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    } else if (path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(health()) + '\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /health\n');
    }
  };
}
