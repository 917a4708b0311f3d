/** Local endpoints that misbehave like real networks do; no AWS, no internet. */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface Silent {
  url: string;
  /** Connections accepted so far (one per attempt). */
  connections: number;
  close(): Promise<void>;
}

/** Accepts every connection and never writes a byte. */
export async function silentServer(): Promise<Silent> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createNetServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers every request with `status` and an HTML page, as a corporate proxy or a load balancer does. */
export async function htmlServer(status: number): Promise<{ url: string; requests: number; userAgents: string[]; close(): Promise<void> }> {
  const state = { requests: 0, userAgents: [] as string[] };
  const server: HttpServer = createHttpServer((req, res) => {
    state.requests++;
    state.userAgents.push(String(req.headers['user-agent'] ?? ''));
    req.resume();
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<html><head><title>${status} Bad Gateway</title></head><body><h1>${status} Bad Gateway</h1></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    userAgents: state.userAgents,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

