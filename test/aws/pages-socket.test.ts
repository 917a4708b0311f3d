/**
 * Degrading listings with the real clients over real sockets: a full page
 * that times out is not tried again at the same size while a smaller one is
 * left, and the smallest page gets the usual tries.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../../bench/fake-aws.js';
import { createClients, TIMEOUT_ATTEMPTS } from '../../shared/aws/clients.js';
import { pageInstances } from '../../shared/kinds/instance/aws.js';
import { collectDegradations } from '../../shared/observability/degraded.js';
import { listenLocally, silentServer, withEndpoint } from '../support/sockets.js';

const saved = { ...process.env };
let fake: FakeAws | undefined;
afterEach(async () => {
  for (const key of ['IMDS_GUARD_REQUEST_TIMEOUT_MS', 'AWS_ENDPOINT_URL', 'AWS_MAX_ATTEMPTS']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  await fake?.close();
  fake = undefined;
});

async function count(pages: AsyncIterable<unknown[]>): Promise<number> {
  let n = 0;
  for await (const page of pages) n += page.length;
  return n;
}

describe('a listing against an endpoint that slows down with the page size', () => {
  it('reads every instance in pages of 200 after one timed-out page of 1000', async () => {
    // 1000 a page: 800 ms, past the 400 ms timeout; 200 a page: 160 ms.
    fake = await startFakeAws({ instances: 1100, launchTemplates: 0, launchConfigurations: 0 }, { pageLatency: { fullPageMs: 800 } });
    process.env.IMDS_GUARD_REQUEST_TIMEOUT_MS = '400';
    process.env.AWS_ENDPOINT_URL = fake.url;
    const clients = createClients('us-east-1');
    try {
      const { result, degraded } = await collectDegradations(() => count(pageInstances(clients.ec2)));
      expect(result).toBe(1100);
      // One attempt at 1000 (not TIMEOUT_ATTEMPTS), then ceil(1100 / 200) pages.
      expect(fake.calls.get('ec2:DescribeInstances')).toBe(1 + 6);
      expect(degraded).toMatchObject([{ operation: 'DescribeInstances', from: 1000, to: 200 }]);
    } finally {
      clients.ec2.destroy();
    }
  });
});

describe('a page size that has been answered', () => {
  it('gets the usual tries when a later page times out once, and the listing stays at that size', async () => {
    // Page 1 answers at once; the first try of page 2 gets no answer, the second does.
    const requests: string[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const params = new URLSearchParams(body);
        const token = params.get('NextToken') ?? 'start';
        requests.push(`${params.get('MaxResults')}@${token}`);
        if (token === 'p2' && requests.filter((r) => r.endsWith('@p2')).length === 1) return; // silent once
        const item = (id: string): string => `<item><reservationId>r-${id}</reservationId><instancesSet><item><instanceId>i-${id}</instanceId></item></instancesSet></item>`;
        const xml =
          '<?xml version="1.0" encoding="UTF-8"?><DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>' +
          `<reservationSet>${item(token === 'start' ? '0aaaaaaaaaaaaaaa1' : '0aaaaaaaaaaaaaaa2')}</reservationSet>${token === 'start' ? '<nextToken>p2</nextToken>' : ''}</DescribeInstancesResponse>`;
        res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
      });
    });
    const endpoint = { url: await listenLocally(server), close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
    await withEndpoint(endpoint, async () => {
      process.env.IMDS_GUARD_REQUEST_TIMEOUT_MS = '300';
      const clients = createClients('us-east-1');
      try {
        const { result, degraded } = await collectDegradations(() => count(pageInstances(clients.ec2)));
        expect(result).toBe(2);
        expect(requests).toEqual(['1000@start', '1000@p2', '1000@p2']);
        expect(degraded).toEqual([]);
      } finally {
        clients.ec2.destroy();
      }
    });
  });
});

describe('a listing against an endpoint that never answers', () => {
  it('tries each larger size once and the smallest TIMEOUT_ATTEMPTS times, then names every size', async () => {
    await withEndpoint(await silentServer(), async (server) => {
      process.env.IMDS_GUARD_REQUEST_TIMEOUT_MS = '200';
      const clients = createClients('us-east-1');
      try {
        const error = await count(pageInstances(clients.ec2)).catch((e: unknown) => e);
        expect((error as Error).message).toMatch(/^DescribeInstances \(listing, page size 1000 → 200 → 50\) failed: TimeoutError: no answer within 200 ms/);
        expect(server.connections).toBe(1 + 1 + TIMEOUT_ATTEMPTS);
      } finally {
        clients.ec2.destroy();
      }
    });
  });
});
