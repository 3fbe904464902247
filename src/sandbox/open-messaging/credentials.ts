/** The two Authorization schemes of the sandbox: Basic for the token endpoint, Bearer after. */

export interface BasicCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export function parseBasicCredentials(header: string | undefined): BasicCredentials | null {
  const match = header === undefined ? null : /^Basic\s+(\S+)\s*$/i.exec(header);
  if (match?.[1] === undefined) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator === -1) return null;
  return { clientId: decoded.slice(0, separator), clientSecret: decoded.slice(separator + 1) };
}

export function bearerToken(header: string | undefined): string | null {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
