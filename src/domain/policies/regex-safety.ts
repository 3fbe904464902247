/**
 * A small, conservative analyser that rejects regular expressions at risk of catastrophic
 * backtracking before they are ever run against a guest's text.
 *
 * JavaScript's regex engine backtracks, so a pattern in which one piece of input can be
 * split between repetitions in many ways takes exponential time on a near-miss. That
 * happens when something repeated (`*`, `+`, `{n,}`, `{n,m}` with m > 1) contains:
 *   - another variable-length quantifier: `(a+)+`, `(a*)*`, `(\w+\s?)*`, `(.*a){20}`;
 *   - an alternation whose branches can start with the same character, or match nothing:
 *     `(a|aa)*`, `(a|a)*`, `(\w|_)+`.
 * The analyser parses the pattern source (which must already compile with the `u` flag)
 * into a tiny tree and looks for those two shapes. It errs on the side of refusing: some
 * safe patterns such as `(ab+c)+` are rejected too, and the fix is to rewrite them.
 */

export type RegexSafety =
  { readonly safe: true } | { readonly safe: false; readonly reason: string };

type Atom =
  | { readonly kind: 'char'; readonly value: string }
  | { readonly kind: 'set'; readonly chars: ReadonlySet<string> }
  | { readonly kind: 'wide' }
  | { readonly kind: 'zeroWidth' }
  | { readonly kind: 'group'; readonly body: Alternation; readonly zeroWidth: boolean };

interface Term {
  readonly atom: Atom;
  readonly min: number;
  readonly max: number;
}

type Sequence = readonly Term[];

interface Alternation {
  readonly branches: readonly Sequence[];
}

/** What the analysis needs to know about a piece of pattern. */
interface Facts {
  readonly nullable: boolean;
  /** Characters a match can start with; `any` stands for "too many to list". */
  readonly first: FirstChars;
  readonly hasVariableQuantifier: boolean;
  readonly hasOverlappingAlternation: boolean;
}

interface FirstChars {
  readonly any: boolean;
  readonly chars: ReadonlySet<string>;
}

const NO_FIRST_CHARS: FirstChars = { any: false, chars: new Set() };
const ANY_FIRST_CHAR: FirstChars = { any: true, chars: new Set() };

export function analyseRegexSafety(source: string): RegexSafety {
  const parser = new PatternParser(source);
  const tree = parser.parseAlternation();
  const findings: string[] = [];
  alternationFacts(tree, findings);
  const reason = findings[0];
  return reason === undefined ? { safe: true } : { safe: false, reason };
}

// ---------------------------------------------------------------------------------------
// Analysis

function alternationFacts(alternation: Alternation, findings: string[]): Facts {
  const branches = alternation.branches.map((branch) => sequenceFacts(branch, findings));
  let overlapping = branches.some((facts) => facts.hasOverlappingAlternation);
  for (let i = 0; i < branches.length && !overlapping; i++) {
    for (let j = i + 1; j < branches.length && !overlapping; j++) {
      overlapping = branchesOverlap(branches[i], branches[j]);
    }
  }
  return {
    nullable: branches.some((facts) => facts.nullable),
    first: branches.reduce((acc, facts) => unionFirst(acc, facts.first), NO_FIRST_CHARS),
    hasVariableQuantifier: branches.some((facts) => facts.hasVariableQuantifier),
    hasOverlappingAlternation: overlapping,
  };
}

function sequenceFacts(sequence: Sequence, findings: string[]): Facts {
  let nullable = true;
  let first = NO_FIRST_CHARS;
  let hasVariableQuantifier = false;
  let hasOverlappingAlternation = false;
  for (const term of sequence) {
    const facts = termFacts(term, findings);
    if (nullable) first = unionFirst(first, facts.first);
    nullable = nullable && facts.nullable;
    hasVariableQuantifier ||= facts.hasVariableQuantifier;
    hasOverlappingAlternation ||= facts.hasOverlappingAlternation;
  }
  return { nullable, first, hasVariableQuantifier, hasOverlappingAlternation };
}

function termFacts(term: Term, findings: string[]): Facts {
  const inner = atomFacts(term.atom, findings);
  if (term.max > 1) {
    if (inner.hasVariableQuantifier) {
      findings.push('nested quantifier: a repeated group contains a variable-length quantifier');
    } else if (inner.hasOverlappingAlternation) {
      findings.push('quantified alternation whose branches overlap or can match nothing');
    }
  }
  return {
    nullable: term.min === 0 || inner.nullable,
    first: inner.first,
    hasVariableQuantifier: inner.hasVariableQuantifier || term.min !== term.max,
    hasOverlappingAlternation: inner.hasOverlappingAlternation,
  };
}

function atomFacts(atom: Atom, findings: string[]): Facts {
  switch (atom.kind) {
    case 'char':
      return leafFacts({ any: false, chars: new Set([atom.value]) });
    case 'set':
      return leafFacts({ any: false, chars: atom.chars });
    case 'wide':
      return leafFacts(ANY_FIRST_CHAR);
    case 'zeroWidth':
      return { ...leafFacts(NO_FIRST_CHARS), nullable: true };
    case 'group': {
      const body = alternationFacts(atom.body, findings);
      return atom.zeroWidth ? { ...body, nullable: true, first: NO_FIRST_CHARS } : body;
    }
  }
}

function leafFacts(first: FirstChars): Facts {
  return { nullable: false, first, hasVariableQuantifier: false, hasOverlappingAlternation: false };
}

function branchesOverlap(a: Facts | undefined, b: Facts | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a.nullable || b.nullable) return true;
  return firstCharsIntersect(a.first, b.first);
}

function firstCharsIntersect(a: FirstChars, b: FirstChars): boolean {
  const aNonEmpty = a.any || a.chars.size > 0;
  const bNonEmpty = b.any || b.chars.size > 0;
  if ((a.any && bNonEmpty) || (b.any && aNonEmpty)) return true;
  for (const char of a.chars) if (b.chars.has(char)) return true;
  return false;
}

function unionFirst(a: FirstChars, b: FirstChars): FirstChars {
  if (a.any || b.any) return ANY_FIRST_CHAR;
  return { any: false, chars: new Set([...a.chars, ...b.chars]) };
}

// ---------------------------------------------------------------------------------------
// Parsing: enough of the ECMAScript `u`-mode grammar to find quantifiers, groups,
// alternations and the first characters of each branch. Input is assumed to compile.

const CLASS_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S']);
const CONTROL_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  f: '\f',
  v: '\v',
  '0': '\0',
};
const BRACE_QUANTIFIER = /^\{(\d+)(?:(,)(\d*))?\}/u;

type EscapeResult =
  | { readonly kind: 'char'; readonly value: string }
  | { readonly kind: 'wide' }
  | { readonly kind: 'zeroWidth' };

class PatternParser {
  private pos = 0;

  constructor(private readonly source: string) {}

  parseAlternation(): Alternation {
    const branches: Sequence[] = [this.parseSequence()];
    while (this.peek() === '|') {
      this.pos++;
      branches.push(this.parseSequence());
    }
    return { branches };
  }

  private parseSequence(): Sequence {
    const terms: Term[] = [];
    while (this.pos < this.source.length && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.parseAtom();
      terms.push({ atom, ...this.parseQuantifier() });
    }
    return terms;
  }

  private parseAtom(): Atom {
    const char = this.peek();
    switch (char) {
      case '(':
        return this.parseGroup();
      case '[':
        return this.parseClass();
      case '\\':
        return this.parseEscape(false);
      case '.':
        this.pos++;
        return { kind: 'wide' };
      case '^':
      case '$':
        this.pos++;
        return { kind: 'zeroWidth' };
      default:
        return { kind: 'char', value: this.takeCodePoint().toLowerCase() };
    }
  }

  private parseGroup(): Atom {
    this.pos++; // (
    let zeroWidth = false;
    if (this.source.startsWith('?:', this.pos)) this.pos += 2;
    else if (this.source.startsWith('?=', this.pos) || this.source.startsWith('?!', this.pos)) {
      this.pos += 2;
      zeroWidth = true;
    } else if (this.source.startsWith('?<=', this.pos) || this.source.startsWith('?<!', this.pos)) {
      this.pos += 3;
      zeroWidth = true;
    } else if (this.source.startsWith('?<', this.pos)) {
      this.pos = this.indexAfter('>');
    }
    const body = this.parseAlternation();
    if (this.peek() === ')') this.pos++;
    return { kind: 'group', body, zeroWidth };
  }

  private parseClass(): Atom {
    this.pos++; // [
    let wide = false;
    if (this.peek() === '^') {
      wide = true;
      this.pos++;
    }
    const chars = new Set<string>();
    while (this.pos < this.source.length && this.peek() !== ']') {
      const item = this.peek() === '\\' ? this.parseEscape(true) : this.classChar();
      // A range such as `a-z` is summarised as "wide" rather than enumerated.
      if (
        this.peek() === '-' &&
        this.source[this.pos + 1] !== ']' &&
        this.pos + 1 < this.source.length
      ) {
        this.pos++;
        if (this.peek() === '\\') this.parseEscape(true);
        else this.takeCodePoint();
        wide = true;
      } else if (item.kind === 'char') chars.add(item.value);
      else wide = true;
    }
    this.pos++; // ]
    return wide ? { kind: 'wide' } : { kind: 'set', chars };
  }

  private classChar(): EscapeResult {
    return { kind: 'char', value: this.takeCodePoint().toLowerCase() };
  }

  private parseEscape(inClass: boolean): EscapeResult {
    this.pos++; // backslash
    const char = this.peek() ?? '';
    if (CLASS_ESCAPES.has(char)) {
      this.pos++;
      return { kind: 'wide' };
    }
    if (char === 'p' || char === 'P') {
      this.pos = this.indexAfter('}');
      return { kind: 'wide' };
    }
    if (char === 'b' || char === 'B') {
      this.pos++;
      return inClass && char === 'b' ? { kind: 'char', value: '\b' } : { kind: 'zeroWidth' };
    }
    if (char === 'k') {
      this.pos = this.indexAfter('>');
      return { kind: 'wide' }; // a back-reference can match anything its group did
    }
    if (/[1-9]/u.test(char)) {
      while (/[0-9]/u.test(this.peek() ?? '')) this.pos++;
      return { kind: 'wide' };
    }
    const control = CONTROL_ESCAPES[char];
    if (control !== undefined) {
      this.pos++;
      return { kind: 'char', value: control };
    }
    if (char === 'x' || char === 'u' || char === 'c') return this.parseCodedEscape(char);
    return { kind: 'char', value: this.takeCodePoint().toLowerCase() };
  }

  /** `\xHH`, `\uHHHH`, `\u{H…}` and `\cX`: a single, computable character. */
  private parseCodedEscape(letter: string): EscapeResult {
    this.pos++;
    let code: number;
    if (letter === 'c') {
      code = this.takeCodePoint().charCodeAt(0) % 32;
    } else if (letter === 'u' && this.peek() === '{') {
      const end = this.source.indexOf('}', this.pos);
      code = Number.parseInt(this.source.slice(this.pos + 1, end), 16);
      this.pos = end + 1;
    } else {
      const width = letter === 'x' ? 2 : 4;
      code = Number.parseInt(this.source.slice(this.pos, this.pos + width), 16);
      this.pos += width;
    }
    return Number.isInteger(code) && code >= 0 && code <= 0x10ffff
      ? { kind: 'char', value: String.fromCodePoint(code).toLowerCase() }
      : { kind: 'wide' };
  }

  private parseQuantifier(): { min: number; max: number } {
    const char = this.peek();
    let bounds: { min: number; max: number };
    if (char === '*') bounds = { min: 0, max: Infinity };
    else if (char === '+') bounds = { min: 1, max: Infinity };
    else if (char === '?') bounds = { min: 0, max: 1 };
    else if (char === '{') {
      const match = BRACE_QUANTIFIER.exec(this.source.slice(this.pos));
      if (match === null) return { min: 1, max: 1 };
      const min = Number(match[1]);
      const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
      this.pos += match[0].length - 1;
      bounds = { min, max };
    } else return { min: 1, max: 1 };
    this.pos++;
    if (this.peek() === '?') this.pos++; // lazy: same backtracking, other order
    return bounds;
  }

  private peek(): string | undefined {
    return this.source[this.pos];
  }

  private takeCodePoint(): string {
    const codePoint = this.source.codePointAt(this.pos) ?? 0;
    const char = String.fromCodePoint(codePoint);
    this.pos += char.length;
    return char;
  }

  private indexAfter(terminator: string): number {
    const index = this.source.indexOf(terminator, this.pos);
    return index === -1 ? this.source.length : index + 1;
  }
}
