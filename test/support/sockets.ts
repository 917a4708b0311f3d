/** Local endpoints that misbehave like real networks do; no AWS, no internet. */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** Listens on a free loopback port; the URL that reaches it. */
export async function listenLocally(server: Server | HttpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

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
  const url = await listenLocally(server);
  return {
    url,
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
  const url = await listenLocally(server);
  return {
    url,
    get requests() {
      return state.requests;
    },
    userAgents: state.userAgents,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Answers every request with `status`, this content type and this body (an emulator, a proxy, a web server). */
export async function replyServer(status: number, contentType: string, body: string): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server: HttpServer = createHttpServer((req, res) => {
    state.requests++;
    req.resume();
    res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': `req-${state.requests}` });
    res.end(body);
  });
  const url = await listenLocally(server);
  return {
    url,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Runs `body` with the SDK pointed at `server` (AWS_ENDPOINT_URL), then puts the
 * variable back and closes the server, also when `body` throws.
 */
export async function withEndpoint<S extends { url: string; close(): Promise<void> }, T>(server: S, body: (server: S) => Promise<T>): Promise<T> {
  const before = process.env.AWS_ENDPOINT_URL;
  process.env.AWS_ENDPOINT_URL = server.url;
  try {
    return await body(server);
  } finally {
    if (before === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = before;
    await server.close();
  }
}
