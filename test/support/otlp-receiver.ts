/**
 * An OTLP/HTTP trace receiver on loopback: a real `node:http` server that accepts the JSON
 * export (`POST /v1/traces`, what @opentelemetry/exporter-trace-otlp-http sends by default) and
 * decodes it into flat spans, so tests check names, attributes and parent links as a collector
 * would see them. It keeps the raw bodies too, for scans of everything that left the process.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { onTestFinished } from 'vitest';

export type AttributeValue = string | number | boolean;

export interface ReceivedSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  /** OTLP's SpanKind numbers: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly links: readonly { traceId: string; spanId: string }[];
  /** 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly resource: Readonly<Record<string, AttributeValue>>;
}

export interface OtlpReceiver {
  /** http://127.0.0.1:PORT, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  spans(): readonly ReceivedSpan[];
  /** Every export body as received. */
  rawBodies(): readonly string[];
  /** Requests to any other path than /v1/traces. */
  strayRequests(): number;
  close(): Promise<void>;
}

interface OtlpAttribute {
  key: string;
  value: {
    stringValue?: string;
    intValue?: number | string;
    doubleValue?: number;
    boolValue?: boolean;
  };
}

interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: number;
  attributes?: OtlpAttribute[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number };
}

interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

function valueOf(attribute: OtlpAttribute): AttributeValue {
  const { stringValue, intValue, doubleValue, boolValue } = attribute.value;
  if (stringValue !== undefined) return stringValue;
  if (intValue !== undefined) return Number(intValue);
  if (doubleValue !== undefined) return doubleValue;
  if (boolValue !== undefined) return boolValue;
  throw new Error(`attribute ${attribute.key} has a value of a kind the receiver does not know`);
}

function attributesOf(attributes: OtlpAttribute[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((attributes ?? []).map((a) => [a.key, valueOf(a)]));
}

function decode(body: string): ReceivedSpan[] {
  const exported = JSON.parse(body) as OtlpExport;
  return (exported.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        name: span.name,
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        kind: span.kind,
        attributes: attributesOf(span.attributes),
        links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
        statusCode: span.status?.code ?? 0,
        resource,
      })),
    );
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const gzipped = request.headers['content-encoding'] === 'gzip';
      resolve((gzipped ? gunzipSync(body) : body).toString('utf8'));
    });
    request.on('error', reject);
  });
}

/** Starts a receiver that closes when the calling test finishes. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: string[] = [];
  let stray = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void readBody(request).then((body) => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        stray += 1;
        response.writeHead(404).end();
        return;
      }
      bodies.push(body);
      spans.push(...decode(body));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: OtlpReceiver = {
    url: `http://127.0.0.1:${String(port)}`,
    spans: () => [...spans],
    rawBodies: () => [...bodies],
    strayRequests: () => stray,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
  onTestFinished(() => receiver.close());
  return receiver;
}

/** The one span of that name (and attributes), or a failure listing what was received. */
export function onlySpan(
  spans: readonly ReceivedSpan[],
  name: string,
  attributes: Readonly<Record<string, AttributeValue>> = {},
): ReceivedSpan {
  const matching = spans.filter(
    (span) =>
      span.name === name &&
      Object.entries(attributes).every(([key, value]) => span.attributes[key] === value),
  );
  if (matching.length !== 1) {
    const seen = spans.map((span) => `${span.name} ${JSON.stringify(span.attributes)}`);
    throw new Error(
      `expected one span ${name} ${JSON.stringify(attributes)}, found ${String(matching.length)} among:\n${seen.join('\n')}`,
    );
  }
  return matching[0] as ReceivedSpan;
}
