// Parser for the OData v4 $filter subset that Graph clients send.
//
// Why not a library: the two maintained parsers on npm were tried first. @balena/odata-parser binds
// `or` tighter than `and` ("a or b and c" became "(a or b) and c"), reads a bare Graph datetime or
// GUID literal as a syntax error and gives every $orderby item the previous item's direction;
// @odata/parser has no `in` operator. Both overflow the stack on deeply nested input. This one is a
// small recursive-descent parser with the standard precedence (or < and < not < comparison), explicit
// limits on length, depth and size, and error messages that point at the offending position.

export type CmpOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type BoolFn = 'contains' | 'startswith' | 'endswith';

export type Literal =
  | { kind: 'literal'; type: 'string'; value: string }
  | { kind: 'literal'; type: 'number'; value: number }
  | { kind: 'literal'; type: 'boolean'; value: boolean }
  | { kind: 'literal'; type: 'null'; value: null }
  | { kind: 'literal'; type: 'datetime'; value: string }
  | { kind: 'literal'; type: 'guid'; value: string };

export type Operand =
  | { kind: 'path'; path: string }
  | Literal
  | { kind: 'fn'; name: 'tolower' | 'toupper'; arg: Operand };

export type FilterExpr =
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; expr: FilterExpr }
  | { kind: 'cmp'; op: CmpOp; left: Operand; right: Operand }
  | { kind: 'in'; left: Operand; values: Literal[] }
  | { kind: 'call'; name: BoolFn; args: [Operand, Operand] }
  /** a bare boolean property, e.g. `$filter=isHidden` */
  | { kind: 'truthy'; operand: Operand };

export class FilterSyntaxError extends Error {}

export const FILTER_LIMITS = { maxLength: 4096, maxDepth: 32, maxNodes: 256, maxInValues: 100 };

type Token =
  | { t: 'lparen' | 'rparen' | 'comma'; pos: number }
  | { t: 'word'; v: string; pos: number }
  | { t: 'lit'; v: Literal; pos: number };

const CMP_OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const BOOL_FNS = new Set(['contains', 'startswith', 'endswith']);
const VALUE_FNS = new Set(['tolower', 'toupper']);

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})/i;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT:])/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-])/i;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?(?![\w.])/;
const WORD = /^[A-Za-z_@$][\w@$.]*(\/[A-Za-z_@$][\w@$.]*)*/;

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '(') tokens.push({ t: 'lparen', pos: i++ });
    else if (ch === ')') tokens.push({ t: 'rparen', pos: i++ });
    else if (ch === ',') tokens.push({ t: 'comma', pos: i++ });
    else if (ch === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= input.length) throw new FilterSyntaxError(`unterminated string literal starting at position ${start}`);
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += input[i++];
      }
      tokens.push({ t: 'lit', v: { kind: 'literal', type: 'string', value }, pos: start });
    } else {
      const rest = input.slice(i);
      let m: RegExpExecArray | null;
      if ((m = GUID.exec(rest))) {
        tokens.push({ t: 'lit', v: { kind: 'literal', type: 'guid', value: m[0].toLowerCase() }, pos: i });
      } else if ((m = DATETIME.exec(rest)) || (m = DATE.exec(rest))) {
        const d = new Date(m[0]);
        if (Number.isNaN(d.getTime())) throw new FilterSyntaxError(`invalid date-time '${m[0]}' at position ${i}`);
        tokens.push({ t: 'lit', v: { kind: 'literal', type: 'datetime', value: d.toISOString() }, pos: i });
      } else if ((m = NUMBER.exec(rest))) {
        tokens.push({ t: 'lit', v: { kind: 'literal', type: 'number', value: Number(m[0]) }, pos: i });
      } else if ((m = WORD.exec(rest))) {
        const w = m[0];
        const lw = w.toLowerCase();
        if (lw === 'true' || lw === 'false') tokens.push({ t: 'lit', v: { kind: 'literal', type: 'boolean', value: lw === 'true' }, pos: i });
        else if (lw === 'null') tokens.push({ t: 'lit', v: { kind: 'literal', type: 'null', value: null }, pos: i });
        else tokens.push({ t: 'word', v: w, pos: i });
      } else {
        throw new FilterSyntaxError(`unexpected character '${ch}' at position ${i}`);
      }
      i += m[0].length;
    }
  }
  return tokens;
}

class Parser {
  private i = 0;
  private nodes = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterExpr {
    if (this.tokens.length === 0) throw new FilterSyntaxError('the expression is empty');
    const e = this.orExpr(0);
    const extra = this.tokens[this.i];
    if (extra) throw new FilterSyntaxError(`unexpected ${describe(extra)} at position ${extra.pos}`);
    return e;
  }

  /** depth counts nesting (parentheses, `not`, function calls), not grammar levels */
  private count(depth: number): void {
    if (++this.nodes > FILTER_LIMITS.maxNodes) throw new FilterSyntaxError(`the expression has more than ${FILTER_LIMITS.maxNodes} terms`);
    if (depth > FILTER_LIMITS.maxDepth) throw new FilterSyntaxError(`the expression is nested more than ${FILTER_LIMITS.maxDepth} levels deep`);
  }

  private peekWord(...words: string[]): boolean {
    const t = this.tokens[this.i];
    return !!t && t.t === 'word' && words.includes(t.v.toLowerCase());
  }

  private orExpr(depth: number): FilterExpr {
    this.count(depth);
    let left = this.andExpr(depth);
    while (this.peekWord('or')) {
      this.i++;
      left = { kind: 'or', left, right: this.andExpr(depth) };
      this.count(depth);
    }
    return left;
  }

  private andExpr(depth: number): FilterExpr {
    let left = this.unary(depth);
    while (this.peekWord('and')) {
      this.i++;
      left = { kind: 'and', left, right: this.unary(depth) };
      this.count(depth);
    }
    return left;
  }

  private unary(depth: number): FilterExpr {
    this.count(depth);
    if (this.peekWord('not')) {
      this.i++;
      return { kind: 'not', expr: this.unary(depth + 1) };
    }
    return this.comparison(depth);
  }

  private comparison(depth: number): FilterExpr {
    const t = this.tokens[this.i];
    if (!t) throw new FilterSyntaxError('the expression ends too early');
    // a parenthesised boolean expression
    if (t.t === 'lparen') {
      this.i++;
      const inner = this.orExpr(depth + 1);
      this.expect('rparen');
      return inner;
    }
    if (t.t === 'word' && BOOL_FNS.has(t.v.toLowerCase()) && this.tokens[this.i + 1]?.t === 'lparen') {
      this.i += 2;
      const a = this.operand(depth);
      this.expect('comma');
      const b = this.operand(depth);
      this.expect('rparen');
      return { kind: 'call', name: t.v.toLowerCase() as BoolFn, args: [a, b] };
    }
    const left = this.operand(depth);
    const op = this.tokens[this.i];
    if (op && op.t === 'word' && CMP_OPS.has(op.v.toLowerCase())) {
      this.i++;
      const right = this.operand(depth);
      return { kind: 'cmp', op: op.v.toLowerCase() as CmpOp, left, right };
    }
    if (op && op.t === 'word' && op.v.toLowerCase() === 'in') {
      this.i++;
      this.expect('lparen');
      const values: Literal[] = [];
      for (;;) {
        const v = this.tokens[this.i];
        if (!v || v.t !== 'lit') throw new FilterSyntaxError(`expected a literal in the 'in' list at position ${v ? v.pos : 'end'}`);
        values.push(v.v);
        this.i++;
        if (values.length > FILTER_LIMITS.maxInValues) throw new FilterSyntaxError(`an 'in' list may hold at most ${FILTER_LIMITS.maxInValues} values`);
        const sep = this.tokens[this.i];
        if (sep?.t === 'comma') {
          this.i++;
          continue;
        }
        this.expect('rparen');
        break;
      }
      return { kind: 'in', left, values };
    }
    if (left.kind === 'path') return { kind: 'truthy', operand: left };
    throw new FilterSyntaxError(op ? `expected a comparison operator at position ${op.pos}, found ${describe(op)}` : 'expected a comparison operator at the end');
  }

  private operand(depth: number): Operand {
    this.count(depth);
    const t = this.tokens[this.i];
    if (!t) throw new FilterSyntaxError('the expression ends where a value was expected');
    if (t.t === 'lit') {
      this.i++;
      return t.v;
    }
    if (t.t === 'word') {
      const lw = t.v.toLowerCase();
      if (VALUE_FNS.has(lw) && this.tokens[this.i + 1]?.t === 'lparen') {
        this.i += 2;
        const arg = this.operand(depth + 1);
        this.expect('rparen');
        return { kind: 'fn', name: lw as 'tolower' | 'toupper', arg };
      }
      if (['and', 'or', 'not', 'in', ...CMP_OPS].includes(lw)) {
        throw new FilterSyntaxError(`expected a property or value at position ${t.pos}, found the operator '${t.v}'`);
      }
      if (this.tokens[this.i + 1]?.t === 'lparen') throw new FilterSyntaxError(`unsupported function '${t.v}' at position ${t.pos}`);
      this.i++;
      return { kind: 'path', path: t.v };
    }
    throw new FilterSyntaxError(`expected a property or value at position ${t.pos}, found ${describe(t)}`);
  }

  private expect(kind: 'lparen' | 'rparen' | 'comma'): void {
    const t = this.tokens[this.i];
    const want = kind === 'lparen' ? "'('" : kind === 'rparen' ? "')'" : "','";
    if (!t || t.t !== kind) throw new FilterSyntaxError(`expected ${want} at ${t ? `position ${t.pos}` : 'the end'}`);
    this.i++;
  }
}

function describe(t: Token): string {
  if (t.t === 'word') return `'${t.v}'`;
  if (t.t === 'lit') return `the value ${JSON.stringify(t.v.value)}`;
  return t.t === 'lparen' ? "'('" : t.t === 'rparen' ? "')'" : "','";
}

export function parseFilter(input: string): FilterExpr {
  if (input.length > FILTER_LIMITS.maxLength) throw new FilterSyntaxError(`the expression is longer than ${FILTER_LIMITS.maxLength} characters`);
  return new Parser(tokenize(input)).parse();
}
