/** Who the message is sent as: the guest's id, its type, and the optional profile. */
import type { GuestIdType } from '../commands.js';
import type { Violation } from '../violation.js';
import { boundedTextProblem, identifierProblem } from './identifier-policy.js';
import { FIXED_LIMITS } from './policy-settings.js';
import { field, isRecord } from './runtime-types.js';

const ID_TYPES: Readonly<Record<GuestIdType, true>> = { Opaque: true, Email: true, Phone: true };
const PROFILE_FIELDS = ['nickname', 'firstName', 'lastName'] as const;

// Plausible, not RFC 5322: one @, no white space, a dot in the domain. Linear-time: each
// part is a single negated class.
const PLAUSIBLE_EMAIL = /^[^\s@]{1,64}@[^\s@.]+(?:\.[^\s@.]+)+$/u;
const MAX_EMAIL_CHARS = 254;
// E.164: a plus, then 7 to 15 digits; country codes never start with 0.
const E164_PHONE = /^\+[1-9][0-9]{6,14}$/u;

export function validateGuest(guest: unknown): Violation[] {
  if (!isRecord(guest)) {
    return [{ code: 'GUEST_ID_INVALID', field: '/guest', message: 'guest must be an object' }];
  }
  return [...validateGuestId(guest.id, guest.idType), ...validateProfile(guest)];
}

function validateGuestId(id: unknown, idType: unknown): Violation[] {
  const violations: Violation[] = [];
  const problem = identifierProblem(id, FIXED_LIMITS.identifierChars);
  if (problem !== undefined) {
    violations.push({
      code: 'GUEST_ID_INVALID',
      field: '/guest/id',
      message: `guest id ${problem}`,
    });
  } else if (typeof id === 'string') {
    const formatProblem = idFormatProblem(id, idType);
    if (formatProblem !== undefined) {
      violations.push({ code: 'GUEST_ID_INVALID', field: '/guest/id', message: formatProblem });
    }
  }
  if (typeof idType !== 'string' || !Object.hasOwn(ID_TYPES, idType)) {
    violations.push({
      code: 'GUEST_ID_INVALID',
      field: '/guest/idType',
      message: 'guest idType must be Opaque, Email or Phone',
    });
  }
  return violations;
}

function idFormatProblem(id: string, idType: unknown): string | undefined {
  if (idType === 'Email' && (id.length > MAX_EMAIL_CHARS || !PLAUSIBLE_EMAIL.test(id))) {
    return 'guest id of type Email must be an email address';
  }
  if (idType === 'Phone' && !E164_PHONE.test(id)) {
    return 'guest id of type Phone must be an E.164 number: + then 7 to 15 digits';
  }
  return undefined;
}

function validateProfile(guest: Readonly<Record<string, unknown>>): Violation[] {
  const violations: Violation[] = [];
  for (const name of PROFILE_FIELDS) {
    const value = field(guest, name);
    if (value === undefined) continue;
    const problem = boundedTextProblem(value, FIXED_LIMITS.profileFieldChars);
    if (problem !== undefined) {
      violations.push({
        code: 'GUEST_PROFILE_INVALID',
        field: `/guest/${name}`,
        message: `guest ${name} ${problem}`,
      });
    }
  }
  return violations;
}
