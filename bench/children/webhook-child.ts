/** A minimal loopback webhook receiver: reads each body, answers 204, counts. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveChild } from '../lib/child.js';

let requests = 0;
let bytes = 0;
const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  request.on('end', () => {
    requests += 1;
    response.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

serveChild(
  { url: `http://127.0.0.1:${String(port)}/hook` },
  (message) => {
    if (message.type === 'stats') return { requests, bytes };
    if (message.type === 'reset') {
      requests = 0;
      bytes = 0;
      return {};
    }
    return { error: `unknown request ${message.type}` };
  },
  () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    }),
);
