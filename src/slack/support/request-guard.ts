import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { type BufferedIncomingMessage, defaultBodyLimit, HTTPModuleFunctions, type HTTPReceiver, verifySlackRequest } from '@slack/bolt';
import type { Logger } from '../../logger.js';

/** How far a request's timestamp may be from our clock, either way (Slack's rule is five minutes). */
export const REQUEST_TOLERANCE_SEC = 5 * 60;

export type RequestVerdict = 'ok' | 'unauthorized' | 'malformed';

/**
 * Judges a buffered request before Bolt sees it: the signature and a timestamp within five minutes
 * of now, past *or future* (Bolt only refuses stale ones), then a body Bolt can dispatch — a slash
 * command form, or an interaction / event whose JSON is an object with a `type`. Bolt reads
 * `body.type` of whatever it parsed, so a signed `payload=null` used to crash the process.
 */
export function judgeSlackRequest(input: {
  rawBody: string;
  contentType: string | undefined;
  signature: string | undefined;
  timestamp: string | undefined;
  signingSecret: string;
  nowMs: number;
}): RequestVerdict {
  const isForm = (input.contentType ?? '').split(';')[0]?.trim() === 'application/x-www-form-urlencoded';
  const form = isForm ? parseQuery(input.rawBody) : undefined;
  // Slack's SSL check is unsigned by design; Bolt answers it and strips anything else it carries.
  if (form?.ssl_check === '1') return 'ok';
  const timestamp = Number(input.timestamp);
  if (!input.signature || !input.timestamp || !/^\d+$/.test(input.timestamp)) return 'unauthorized';
  if (Math.abs(Math.floor(input.nowMs / 1000) - timestamp) > REQUEST_TOLERANCE_SEC) return 'unauthorized';
  try {
    verifySlackRequest({
      signingSecret: input.signingSecret,
      body: input.rawBody,
      headers: { 'x-slack-signature': input.signature, 'x-slack-request-timestamp': timestamp },
      nowMilliseconds: input.nowMs,
    });
  } catch {
    return 'unauthorized';
  }
  if (form) {
    if (typeof form.payload === 'string') return isTypedObject(form.payload) ? 'ok' : 'malformed';
    return typeof form.command === 'string' ? 'ok' : 'malformed';
  }
  return isTypedObject(input.rawBody) ? 'ok' : 'malformed';
}

function isTypedObject(json: string): boolean {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { type?: unknown }).type === 'string';
  } catch {
    return false;
  }
}

/**
 * Puts `judgeSlackRequest` in front of the receiver's POST handling: a bad signature or timestamp
 * is a 401, a body Bolt cannot dispatch a 400, both with nothing done; anything that goes wrong
 * here ends this request, never the process.
 */
export function guardSlackRequests(receiver: HTTPReceiver, options: { signingSecret: string; path: string; logger: Logger }): void {
  const { signingSecret, logger } = options;
  const next = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    // Other routes (GET /healthz, unknown paths) keep Bolt's own handling.
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== options.path) {
      next(req, res);
      return;
    }
    void (async () => {
      let buffered: BufferedIncomingMessage;
      try {
        buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, defaultBodyLimit);
      } catch (error) {
        answer(res, HTTPModuleFunctions.isRawBodyError(error) && (error as { statusCode?: number }).statusCode === 413 ? 413 : 400);
        return;
      }
      const header = (name: string) => {
        const value = req.headers[name];
        return typeof value === 'string' ? value : undefined;
      };
      const verdict = judgeSlackRequest({
        rawBody: buffered.rawBody.toString('utf8'),
        contentType: header('content-type'),
        signature: header('x-slack-signature'),
        timestamp: header('x-slack-request-timestamp'),
        signingSecret,
        nowMs: Date.now(),
      });
      if (verdict !== 'ok') {
        logger.warn(
          verdict === 'unauthorized' ? 'refused a request without a valid signature or timestamp' : 'refused a malformed request',
          {
            path: req.url,
          },
        );
        answer(res, verdict === 'unauthorized' ? 401 : 400);
        return;
      }
      next(buffered, res);
    })().catch((error: unknown) => {
      logger.error('could not handle a request', { error, path: req.url });
      answer(res, 500);
    });
  };
}

function answer(res: ServerResponse, status: number): void {
  if (res.headersSent) return;
  res.writeHead(status);
  res.end();
}
