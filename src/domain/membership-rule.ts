// Membership rules of auto-assignment policies (attributeRuleMembers.membershipRule), in the syntax of
// Entra's dynamic membership rules: `user.department -eq "Sales" -and -not (user.jobTitle -startsWith "Intern")`.
// A pure parser into a small tree, and an evaluator of that tree over a user's attributes. Operators and
// property names are case-insensitive, as are string comparisons (Entra compares that way). -match runs
// RE2 (re2js, linear in the input): a rule is data an administrator types, and a backtracking RegExp on
// every user change would let one pattern hold the worker. Errors carry the 1-based position of the
// character where the rule stopped making sense, so the API can say where to look.

import { RE2JS } from 're2js';

/** The user properties a rule may name, and their kind (Latchkey's users carry these). */
export const RULE_PROPERTIES = {
  accountEnabled: 'boolean',
  department: 'string',
  displayName: 'string',
  employeeId: 'string',
  givenName: 'string',
  jobTitle: 'string',
  mail: 'string',
  mailNickname: 'string',
  surname: 'string',
  userPrincipalName: 'string',
  userType: 'string',
  // the enterprise user extension's attributes (migration 0011), as identity sources map them
  costCenter: 'string',
  division: 'string',
  organization: 'string',
} as const;
export type RuleProperty = keyof typeof RULE_PROPERTIES;

/** A user as rules see them: each property's value, null when the user has none. */
export type RuleSubject = { [K in RuleProperty]?: string | boolean | null };

const OPERATORS = ['eq', 'ne', 'startsWith', 'notStartsWith', 'contains', 'notContains', 'match', 'notMatch', 'in', 'notIn'] as const;
type Operator = (typeof OPERATORS)[number];

type Value = string | boolean | null;

export type RuleNode =
  | { kind: 'and' | 'or'; left: RuleNode; right: RuleNode }
  | { kind: 'not'; operand: RuleNode }
  | { kind: 'compare'; property: RuleProperty; op: Operator; value: Value | Value[]; regex?: RE2JS };

export class MembershipRuleError extends Error {
  /** 1-based position in the rule of the character where the error is */
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} (at position ${position})`);
    this.position = position;
  }
}

/** The longest rule accepted (Entra's limit for dynamic rules is 3072 characters). */
export const MAX_RULE_LENGTH = 3072;

type Token =
  | { t: 'op'; v: string; at: number } // -eq, -and, … (without the dash, as written)
  | { t: 'str'; v: string; at: number }
  | { t: 'word'; v: string; at: number } // user.department, true, false, null
  | { t: '(' | ')' | '[' | ']' | ','; at: number }
  | { t: 'end'; at: number };

function tokenize(rule: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i];
    if (/\s/.test(c)) {
      i++;
    } else if ('()[],'.includes(c)) {
      out.push({ t: c as '(' | ')' | '[' | ']' | ',', at: i + 1 });
      i++;
    } else if (c === '"') {
      const at = i + 1;
      let s = '';
      i++;
      for (;;) {
        if (i >= rule.length) throw new MembershipRuleError('Unterminated string: a closing " is missing', at);
        const d = rule[i];
        // Entra escapes a quote inside a string with a backtick (`"); a backslash is accepted too
        if ((d === '`' || d === '\\') && rule[i + 1] === '"') {
          s += '"';
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          s += d;
          i++;
        }
      }
      out.push({ t: 'str', v: s, at });
    } else if (c === '-') {
      const m = /^-([A-Za-z]+)/.exec(rule.slice(i));
      if (!m) throw new MembershipRuleError("Expected an operator after '-' (such as -eq or -and)", i + 1);
      out.push({ t: 'op', v: m[1], at: i + 1 });
      i += m[0].length;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rule.slice(i));
      if (!m) throw new MembershipRuleError(`Unexpected character '${c}'`, i + 1);
      out.push({ t: 'word', v: m[0], at: i + 1 });
      i += m[0].length;
    }
  }
  out.push({ t: 'end', at: rule.length + 1 });
  return out;
}

const lower = (s: string) => s.toLowerCase();
const isLogical = (tok: Token, name: 'and' | 'or' | 'not') => tok.t === 'op' && lower(tok.v) === name;

/** Parses a rule, or throws MembershipRuleError naming the position of the first error. */
export function parseMembershipRule(rule: string): RuleNode {
  if (typeof rule !== 'string' || rule.trim() === '') throw new MembershipRuleError('The rule is empty', 1);
  if (rule.length > MAX_RULE_LENGTH) throw new MembershipRuleError(`The rule is longer than ${MAX_RULE_LENGTH} characters`, MAX_RULE_LENGTH + 1);
  const tokens = tokenize(rule);
  let k = 0;
  const peek = () => tokens[k];
  const next = () => tokens[k++];
  const describe = (tok: Token) => (tok.t === 'end' ? 'the end of the rule' : tok.t === 'str' ? `"${tok.v}"` : tok.t === 'op' ? `-${tok.v}` : tok.t === 'word' ? `'${tok.v}'` : `'${tok.t}'`);

  // precedence as in Entra: -not binds tightest, then -and, then -or
  const orExpr = (): RuleNode => {
    let left = andExpr();
    while (isLogical(peek(), 'or')) {
      next();
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): RuleNode => {
    let left = unary();
    while (isLogical(peek(), 'and')) {
      next();
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): RuleNode => {
    if (isLogical(peek(), 'not')) {
      next();
      return { kind: 'not', operand: unary() };
    }
    const tok = peek();
    if (tok.t === '(') {
      next();
      const inner = orExpr();
      const close = next();
      if (close.t !== ')') throw new MembershipRuleError(`Expected ')' but found ${describe(close)}`, close.at);
      return inner;
    }
    return comparison();
  };
  const comparison = (): RuleNode => {
    const prop = next();
    if (prop.t !== 'word' || !/^user\./i.test(prop.v)) throw new MembershipRuleError(`Expected a user property such as user.department but found ${describe(prop)}`, prop.at);
    const name = prop.v.slice(5);
    const property = (Object.keys(RULE_PROPERTIES) as RuleProperty[]).find((p) => lower(p) === lower(name));
    if (!property) throw new MembershipRuleError(`Unknown property 'user.${name}'; rules may use ${Object.keys(RULE_PROPERTIES).map((p) => `user.${p}`).join(', ')}`, prop.at);
    const opTok = next();
    const op = opTok.t === 'op' ? OPERATORS.find((o) => lower(o) === lower(opTok.v)) : undefined;
    if (!op) throw new MembershipRuleError(`Expected a comparison operator (${OPERATORS.map((o) => `-${o}`).join(', ')}) but found ${describe(opTok)}`, opTok.at);
    if (op === 'in' || op === 'notIn') {
      const open = next();
      if (open.t !== '[') throw new MembershipRuleError(`-${op} takes a list such as ["a", "b"], found ${describe(open)}`, open.at);
      const values: Value[] = [];
      if (peek().t !== ']') {
        for (;;) {
          values.push(scalar(property));
          const sep = next();
          if (sep.t === ']') break;
          if (sep.t !== ',') throw new MembershipRuleError(`Expected ',' or ']' but found ${describe(sep)}`, sep.at);
        }
      } else {
        next();
      }
      return { kind: 'compare', property, op, value: values };
    }
    const valueAt = peek().at;
    const value = scalar(property);
    if (op === 'match' || op === 'notMatch') {
      if (typeof value !== 'string') throw new MembershipRuleError(`-${op} takes a regular expression in quotes`, valueAt);
      try {
        return { kind: 'compare', property, op, value, regex: RE2JS.compile(value, RE2JS.CASE_INSENSITIVE) };
      } catch (e) {
        throw new MembershipRuleError(`Invalid regular expression: ${(e as Error).message.replace(/^error parsing regexp: /, '')}`, valueAt);
      }
    }
    if ((op === 'startsWith' || op === 'notStartsWith' || op === 'contains' || op === 'notContains') && typeof value !== 'string') {
      throw new MembershipRuleError(`-${op} takes a string in quotes`, valueAt);
    }
    return { kind: 'compare', property, op, value };
  };
  const scalar = (property: RuleProperty): Value => {
    const tok = next();
    if (tok.t === 'str') {
      if (RULE_PROPERTIES[property] === 'boolean') throw new MembershipRuleError(`user.${property} is true or false, not a string`, tok.at);
      return tok.v;
    }
    if (tok.t === 'word') {
      const w = lower(tok.v);
      if (w === 'null') return null;
      if (w === 'true' || w === 'false') {
        if (RULE_PROPERTIES[property] !== 'boolean') throw new MembershipRuleError(`user.${property} is a string: write the value in quotes`, tok.at);
        return w === 'true';
      }
    }
    throw new MembershipRuleError(`Expected a value (a string in quotes, true, false or null) but found ${describe(tok)}`, tok.at);
  };

  const tree = orExpr();
  const rest = peek();
  if (rest.t !== 'end') throw new MembershipRuleError(`Expected -and, -or or the end of the rule but found ${describe(rest)}`, rest.at);
  return tree;
}

/** Whether the rule parses; the error (message and position) when it does not. */
export function membershipRuleError(rule: string): MembershipRuleError | null {
  try {
    parseMembershipRule(rule);
    return null;
  } catch (e) {
    if (e instanceof MembershipRuleError) return e;
    throw e;
  }
}

const eqValue = (actual: string | boolean | null | undefined, expected: Value): boolean => {
  const a = actual ?? null;
  if (expected === null || a === null) return a === expected;
  if (typeof expected === 'boolean' || typeof a === 'boolean') return a === expected;
  return lower(a) === lower(expected);
};

/** Whether a user satisfies a parsed rule. A missing value never starts with, contains or matches anything. */
export function evaluateRule(node: RuleNode, subject: RuleSubject): boolean {
  switch (node.kind) {
    case 'and':
      return evaluateRule(node.left, subject) && evaluateRule(node.right, subject);
    case 'or':
      return evaluateRule(node.left, subject) || evaluateRule(node.right, subject);
    case 'not':
      return !evaluateRule(node.operand, subject);
    case 'compare': {
      const actual = subject[node.property];
      const text = typeof actual === 'string' ? lower(actual) : null;
      switch (node.op) {
        case 'eq':
          return eqValue(actual, node.value as Value);
        case 'ne':
          return !eqValue(actual, node.value as Value);
        case 'in':
          return (node.value as Value[]).some((v) => eqValue(actual, v));
        case 'notIn':
          return !(node.value as Value[]).some((v) => eqValue(actual, v));
        case 'startsWith':
          return text !== null && text.startsWith(lower(node.value as string));
        case 'notStartsWith':
          return !(text !== null && text.startsWith(lower(node.value as string)));
        case 'contains':
          return text !== null && text.includes(lower(node.value as string));
        case 'notContains':
          return !(text !== null && text.includes(lower(node.value as string)));
        case 'match':
          return typeof actual === 'string' && node.regex!.matcher(actual).find();
        case 'notMatch':
          return !(typeof actual === 'string' && node.regex!.matcher(actual).find());
      }
    }
  }
}

/** Parses and evaluates in one go; a rule that does not parse matches nobody. */
export function matchesRule(rule: string, subject: RuleSubject): boolean {
  let tree: RuleNode;
  try {
    tree = parseMembershipRule(rule);
  } catch {
    return false;
  }
  return evaluateRule(tree, subject);
}
