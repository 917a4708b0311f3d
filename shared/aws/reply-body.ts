/**
 * Whether an HTTP reply's body can be an AWS reply, judged on the body and
 * not on the content-type header: AWS APIs answer XML (query, EC2) or JSON
 * (awsJson, REST-JSON), or nothing. An HTML document is a proxy's, a captive
 * portal's or a web server's page, whatever its header says; a JSON body
 * labelled `text/html` (moto server answers Security Hub that way, Flask's
 * default content type) is an AWS reply like any other. Pure.
 */

/** Leading bytes read to judge a body; a page says what it is at its start. */
const SNIFF_CHARS = 1024;

/** An HTML document: optional BOM, whitespace, XML declaration and comments, then a doctype or an html/head/body tag. */
const HTML_START = /^\uFEFF?(?:\s|<\?xml[^>]*\?>|<!--[\s\S]*?-->)*<(?:!doctype\s+html\b|html\b|head\b|body\b)/i;

export type BodyVerdict = { ok: true } | { ok: false; what: string };

/** The verdict on a body (its start is enough), with `contentType` only for the words. */
export function judgeReplyBody(body: string, contentType: string): BodyVerdict {
  const start = body.slice(0, SNIFF_CHARS);
  const type = contentType || 'no content type';
  if (HTML_START.test(start)) return { ok: false, what: contentType === 'text/html' ? 'a text/html body' : `an HTML page (${type})` };
  const first = start.replace(/^\uFEFF/, '').trimStart().charAt(0);
  if (first === '' || first === '<' || first === '{' || first === '[') return { ok: true };
  return { ok: false, what: `a body that is neither XML nor JSON (${type})` };
}
