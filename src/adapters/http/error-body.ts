import type { FastifyRequest } from 'fastify';
import type { RequestProblem } from './http-schemas.js';

/** Answers that are not 2xx share one shape: `{ error: { code, message, requestId, … } }`. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly requestId: string;
    readonly problems?: readonly RequestProblem[];
  };
}

export function errorBody(
  request: FastifyRequest,
  code: string,
  message: string,
  problems?: readonly RequestProblem[],
): ErrorBody {
  return {
    error: {
      code,
      message,
      requestId: request.id,
      ...(problems === undefined ? {} : { problems }),
    },
  };
}

/** A refusal of the request with its own status and code; the error mapping answers it as is. */
export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
