/**
 * A reply is judged on its body, not on its content-type header: an HTML page
 * is refused as "not an AWS reply" whatever it is labelled, and an emulator's
 * JSON or XML labelled text/html (moto server) is read like any AWS reply.
 * Real SDK clients against a local HTTP server.
 */
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { BatchImportFindingsCommand } from '@aws-sdk/client-securityhub';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../shared/aws/clients.js';
import { judgeReplyBody } from '../../shared/aws/reply-body.js';
import { errorText, NotAwsReplyError } from '../../shared/errors.js';
import { replyServer, withEndpoint } from '../support/sockets.js';

const PAGE = '<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head><body><form>…</form></body></html>';
const IMPORT_REPLY = JSON.stringify({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
const FINDING = {
  SchemaVersion: '2018-10-08',
  Id: 'imds-guard/us-east-1/111122223333/instance/i-0aaaaaaaaaaaaaaa1/imdsv2',
  ProductArn: 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default',
  GeneratorId: 'imds-guard/imdsv2',
  AwsAccountId: '111122223333',
  Types: ['Software and Configuration Checks'],
  CreatedAt: '2026-01-01T00:00:00.000Z',
  UpdatedAt: '2026-01-01T00:00:00.000Z',
  Severity: { Label: 'HIGH' as const },
  Title: 't',
  Description: 'd',
  Resources: [{ Type: 'AwsEc2Instance', Id: 'i-0aaaaaaaaaaaaaaa1' }],
};

let saved: string | undefined;
beforeEach(() => {
  saved = process.env.AWS_MAX_ATTEMPTS;
  process.env.AWS_MAX_ATTEMPTS = '1';
});
afterEach(() => {
  if (saved === undefined) delete process.env.AWS_MAX_ATTEMPTS;
  else process.env.AWS_MAX_ATTEMPTS = saved;
});

describe('judgeReplyBody', () => {
  it('refuses HTML documents however they start, and bodies that are neither XML nor JSON', () => {
    expect(judgeReplyBody(PAGE, 'text/html')).toEqual({ ok: false, what: 'a text/html body' });
    expect(judgeReplyBody('\uFEFF  <!-- portal -->\n<HTML lang="en"><body>', 'application/json')).toEqual({ ok: false, what: 'an HTML page (application/json)' });
    expect(judgeReplyBody('<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN"><html>', '')).toEqual({ ok: false, what: 'an HTML page (no content type)' });
    expect(judgeReplyBody('<head><title>502</title></head>', 'text/plain').ok).toBe(false);
    expect(judgeReplyBody('Service Unavailable', 'text/plain')).toEqual({ ok: false, what: 'a body that is neither XML nor JSON (text/plain)' });
  });

  it('accepts XML, JSON and empty bodies whatever their header', () => {
    expect(judgeReplyBody(IMPORT_REPLY, 'text/html')).toEqual({ ok: true });
    expect(judgeReplyBody('<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">', 'text/html')).toEqual({ ok: true });
    expect(judgeReplyBody('<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>', 'text/xml')).toEqual({ ok: true });
    expect(judgeReplyBody('[]', 'application/json')).toEqual({ ok: true });
    expect(judgeReplyBody('', 'text/html')).toEqual({ ok: true });
    // An XML document about HTML is not an HTML page.
    expect(judgeReplyBody('<Response><Errors><Error><Message>&lt;html&gt;</Message></Error></Errors></Response>', 'text/xml')).toEqual({ ok: true });
  });
});

describe('replies from a local endpoint', () => {
  it('accepts a Security Hub BatchImportFindings reply with a JSON body and a text/html content type (moto server)', async () => {
    await withEndpoint(await replyServer(200, 'text/html; charset=utf-8', IMPORT_REPLY), async (server) => {
      const out = await createClients('us-east-1').securityHub.send(new BatchImportFindingsCommand({ Findings: [FINDING] }));
      expect(out).toMatchObject({ SuccessCount: 1, FailedCount: 0, FailedFindings: [] });
      expect(server.requests).toBe(1);
    });
  });

  it('accepts an EC2 XML reply labelled text/html', async () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><reservationSet>' +
      '<item><reservationId>r-0aaaaaaaaaaaaaaa1</reservationId><instancesSet><item><instanceId>i-0aaaaaaaaaaaaaaa1</instanceId></item></instancesSet></item></reservationSet></DescribeInstancesResponse>';
    await withEndpoint(await replyServer(200, 'text/html', xml), async () => {
      const out = await createClients('us-east-1').ec2.send(new DescribeInstancesCommand({}));
      expect(out.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe('i-0aaaaaaaaaaaaaaa1');
    });
  });

  it('refuses a Security Hub reply whose body is an HTML page, labelled text/html', async () => {
    await withEndpoint(await replyServer(200, 'text/html', PAGE), async () => {
      const error = await createClients('us-east-1').securityHub.send(new BatchImportFindingsCommand({ Findings: [FINDING] })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotAwsReplyError);
      expect(errorText(error)).toBe('SecurityHub BatchImportFindings: HTTP 200 with a text/html body, not an AWS reply (a proxy, a captive portal or a wrong endpoint URL?)');
    });
  });

  it('refuses an HTML page labelled as JSON: the body decides, not the header', async () => {
    await withEndpoint(await replyServer(200, 'application/json', PAGE), async () => {
      const error = await createClients('us-east-1').securityHub.send(new BatchImportFindingsCommand({ Findings: [FINDING] })).catch((e: unknown) => e);
      expect(errorText(error)).toMatch(/^SecurityHub BatchImportFindings: HTTP 200 with an HTML page \(application\/json\), not an AWS reply/);
    });
  });

  it('refuses an EC2 200 whose body is plain text instead of reading it as "no instances"', async () => {
    await withEndpoint(await replyServer(200, 'text/plain', 'OK'), async () => {
      const error = await createClients('us-east-1').ec2.send(new DescribeInstancesCommand({})).catch((e: unknown) => e);
      expect(errorText(error)).toMatch(/^EC2 DescribeInstances: HTTP 200 with a body that is neither XML nor JSON \(text\/plain\), not an AWS reply/);
    });
  });

  it('an emulator error in JSON labelled text/html is read as the service error it is', async () => {
    const body = JSON.stringify({ __type: 'InvalidInputException', message: 'Finding must contain at least one resource' });
    await withEndpoint(await replyServer(400, 'text/html', body), async () => {
      const error = await createClients('us-east-1').securityHub.send(new BatchImportFindingsCommand({ Findings: [FINDING] })).catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(NotAwsReplyError);
      expect((error as Error).name).toBe('InvalidInputException');
    });
  });
});
