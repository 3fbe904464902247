const REDACTED = '***';
/** `scheme://user:password@` : the part of a connection URL that holds the password. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:)[^@/?#]*@/i;

/**
 * The URL with its password replaced by ***, for messages and logs. Works on text that does not
 * parse as a URL too: a malformed URL is still shown without its password.
 */
export function redactUrl(text: string): string {
  let redacted = text.trim().replace(URL_PASSWORD, `$1${REDACTED}@`);
  // A password given as a query parameter (libpq accepts ?password=...).
  redacted = redacted.replace(/([?&]password=)[^&#]*/gi, `$1${REDACTED}`);
  return redacted;
}

/** `text` with every occurrence of the password cut out (a driver message may quote it). */
export function redactSecret(text: string, password: string): string {
  if (password === '') return text;
  return text.split(password).join(REDACTED);
}
