/** Error bodies in the shape Genesys Cloud answers with (`Models.ErrorBody`, contract §5). */

export interface FieldIssue {
  readonly errorCode: string;
  readonly fieldName: string;
}

export interface GenesysErrorBody {
  readonly message: string;
  readonly code: string;
  readonly status: number;
  /** The values of the message's placeholders, by name; `{}` when it has none. */
  readonly messageParams: Readonly<Record<string, string>>;
  readonly contextId: string;
  readonly details: readonly FieldIssue[];
  readonly errors: readonly [];
}

export function genesysErrorBody(
  status: number,
  code: string,
  message: string,
  contextId: string,
  details: readonly FieldIssue[] = [],
  messageParams: Readonly<Record<string, string>> = {},
): GenesysErrorBody {
  return { message, code, status, messageParams, contextId, details, errors: [] };
}

/** The normalised 429 body, word for word from the 2021 staff notice (contract §5). */
export function rateLimitedBody(retryAfterSeconds: number, contextId: string): GenesysErrorBody {
  return genesysErrorBody(
    429,
    'too.many.requests.retry.after',
    `Rate limit exceeded the maximum. Retry the request in [${retryAfterSeconds}] seconds`,
    contextId,
  );
}

export function missingTokenBody(contextId: string): GenesysErrorBody {
  return genesysErrorBody(
    401,
    'authentication.required',
    'No authentication bearer token specified in authorization header.',
    contextId,
  );
}

export function badCredentialsBody(contextId: string): GenesysErrorBody {
  return genesysErrorBody(401, 'bad.credentials', 'Invalid login credentials.', contextId);
}

export function badRequestBody(
  message: string,
  contextId: string,
  details: readonly FieldIssue[] = [],
): GenesysErrorBody {
  return genesysErrorBody(400, 'bad.request', message, contextId, details);
}

export function tooLargeBody(maxBodyBytes: number, contextId: string): GenesysErrorBody {
  return genesysErrorBody(
    413,
    'request.entity.too.large',
    `The request body exceeds the maximum of ${maxBodyBytes} bytes.`,
    contextId,
  );
}

export function notFoundBody(message: string, contextId: string): GenesysErrorBody {
  return genesysErrorBody(404, 'not.found', message, contextId);
}

export function integrationNotFoundBody(
  integrationId: string,
  contextId: string,
): GenesysErrorBody {
  return genesysErrorBody(
    404,
    'not.found',
    `Open messaging integration ${integrationId} was not found.`,
    contextId,
    [],
    { integrationId },
  );
}

/** The answer to a JSON endpoint called without `Content-Type: application/json`. */
export function unsupportedMediaTypeBody(
  contentType: string | undefined,
  contextId: string,
): GenesysErrorBody {
  const given = contentType ?? '';
  const message =
    contentType === undefined
      ? 'The request has no Content-Type; this endpoint accepts application/json.'
      : `Content-Type ${given} is not supported; this endpoint accepts application/json.`;
  return genesysErrorBody(415, 'unsupported.media.type', message, contextId, [], {
    contentType: given,
  });
}

export function methodNotAllowedBody(method: string, contextId: string): GenesysErrorBody {
  return genesysErrorBody(
    405,
    'method.not.allowed',
    `HTTP method ${method} is not supported by this URL.`,
    contextId,
  );
}

export function serviceUnavailableBody(contextId: string): GenesysErrorBody {
  return genesysErrorBody(
    503,
    'service.unavailable',
    'The service is currently unavailable.',
    contextId,
  );
}

export function internalErrorBody(contextId: string): GenesysErrorBody {
  return genesysErrorBody(
    500,
    'internal.server.error',
    'The sandbox failed to process the request.',
    contextId,
  );
}
