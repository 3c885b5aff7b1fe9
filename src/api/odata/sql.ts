import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { ValidationError } from '../../domain/errors.js';
import type { FilterExpr, Literal, Operand } from './filter-parser.js';

// Translates a parsed $filter into SQL over a whitelist of fields. Only properties listed in the
// entity's field map can be named; every value becomes a bound parameter, never SQL text.

export type FieldType = 'string' | 'boolean' | 'datetime' | 'number' | 'guid' | 'enum';

export interface FieldSpec {
  /** qualified column in camelCase, e.g. 'accessPackages.catalogId' (the CamelCasePlugin maps it) */
  column: string;
  type: FieldType;
  /** canonical enum literals; filter values are matched to them case-insensitively */
  values?: readonly string[];
  /**
   * the column holds lower-cased text (e.g. users.upnKey): equality and `in` compare against the
   * lower-cased value, so the comparison is case-insensitive and still uses the column's index
   */
  lowercased?: boolean;
  /** false when the property exists but cannot be filtered on */
  filterable?: boolean;
  sortable?: boolean;
}

export type FieldMap = Record<string, FieldSpec>;

type Sql = RawBuilder<unknown>;

export function canonicalEnum(values: readonly string[], raw: string, property: string): string {
  const found = values.find((v) => v.toLowerCase() === raw.toLowerCase());
  if (!found) throw new ValidationError(`Invalid value '${raw}' for '${property}'; expected one of: ${values.join(', ')}.`, property);
  return found;
}

function field(fields: FieldMap, path: string, entity: string, usage: 'filter' | 'orderby'): FieldSpec {
  const spec = Object.prototype.hasOwnProperty.call(fields, path) ? fields[path] : undefined;
  if (!spec) {
    const known = Object.entries(fields)
      .filter(([, f]) => (usage === 'filter' ? f.filterable !== false : f.sortable !== false))
      .map(([k]) => k);
    throw new ValidationError(
      `Property '${path}' of ${entity} is not known or cannot be used in $${usage}. Supported: ${known.join(', ')}.`,
      `$${usage}`,
    );
  }
  if (usage === 'filter' && spec.filterable === false) throw new ValidationError(`Property '${path}' of ${entity} cannot be used in $filter.`, '$filter');
  if (usage === 'orderby' && spec.sortable === false) throw new ValidationError(`Property '${path}' of ${entity} cannot be used in $orderby.`, '$orderby');
  return spec;
}

function literalValue(lit: Literal, spec: FieldSpec, path: string): string | number | null {
  if (lit.type === 'null') return null;
  const bad = (): never => {
    throw new ValidationError(`Invalid $filter: property '${path}' is of type ${spec.type} and cannot be compared with ${JSON.stringify(lit.value)}.`, '$filter');
  };
  switch (spec.type) {
    case 'boolean':
      return lit.type === 'boolean' ? (lit.value ? 1 : 0) : bad();
    case 'number':
      return lit.type === 'number' ? lit.value : bad();
    case 'datetime': {
      if (lit.type === 'datetime') return lit.value;
      if (lit.type === 'string') {
        const d = new Date(lit.value);
        if (!Number.isNaN(d.getTime())) return d.toISOString();
      }
      return bad();
    }
    case 'enum':
      return lit.type === 'string' ? canonicalEnum(spec.values ?? [], lit.value, path) : bad();
    case 'guid':
      return lit.type === 'guid' || lit.type === 'string' ? lit.value.toLowerCase() : bad();
    case 'string':
      if (lit.type !== 'string' && lit.type !== 'guid') return bad();
      return spec.lowercased ? lit.value.toLowerCase() : lit.value;
  }
}

interface Side {
  sql: Sql;
  spec: FieldSpec;
  path: string;
  lowered: boolean;
}

function propertySide(op: Operand, fields: FieldMap, entity: string): Side | undefined {
  if (op.kind === 'path') {
    const spec = field(fields, op.path, entity, 'filter');
    return { sql: sql`${sql.ref(spec.column)}`, spec, path: op.path, lowered: false };
  }
  if (op.kind === 'fn') {
    const inner = propertySide(op.arg, fields, entity);
    if (!inner || inner.spec.type !== 'string') throw new ValidationError(`${op.name}() takes a text property.`, '$filter');
    const fn = op.name === 'tolower' ? sql`lower(${inner.sql})` : sql`upper(${inner.sql})`;
    return { ...inner, sql: fn, lowered: true };
  }
  return undefined;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const SQL_OPS = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

export function filterToSql(expr: FilterExpr, fields: FieldMap, entity: string): Expression<SqlBool> {
  const walk = (e: FilterExpr): Sql => {
    switch (e.kind) {
      case 'and':
        return sql`(${walk(e.left)} and ${walk(e.right)})`;
      case 'or':
        return sql`(${walk(e.left)} or ${walk(e.right)})`;
      case 'not':
        return sql`(not ${walk(e.expr)})`;
      case 'truthy': {
        const side = propertySide(e.operand, fields, entity);
        if (!side || side.spec.type !== 'boolean') throw new ValidationError('A bare property in $filter must be a boolean property.', '$filter');
        return sql`(${side.sql} = 1)`;
      }
      case 'cmp': {
        let left = propertySide(e.left, fields, entity);
        let right: Operand = e.right;
        let op = e.op;
        if (!left) {
          // `'x' eq displayName`: flip so the property is on the left
          left = propertySide(e.right, fields, entity);
          right = e.left;
          const flip = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' } as const;
          op = flip[op];
        }
        if (!left || right.kind !== 'literal') throw new ValidationError('Each comparison in $filter must compare one property with one value.', '$filter');
        const value = literalValue(right, left.spec, left.path);
        if (value === null) {
          if (op === 'eq') return sql`(${left.sql} is null)`;
          if (op === 'ne') return sql`(${left.sql} is not null)`;
          throw new ValidationError(`'${op}' cannot be used with null.`, '$filter');
        }
        if ((left.spec.type === 'boolean' || left.spec.type === 'enum') && op !== 'eq' && op !== 'ne') {
          throw new ValidationError(`'${op}' cannot be used with the ${left.spec.type} property '${left.path}'.`, '$filter');
        }
        // enum values are stored in their canonical casing, so literalValue's canonical form compares as stored
        return sql`(${left.sql} ${sql.raw(SQL_OPS[op])} ${value})`;
      }
      case 'in': {
        const left = propertySide(e.left, fields, entity);
        if (!left) throw new ValidationError("The left side of 'in' must be a property.", '$filter');
        const values = e.values.map((v) => literalValue(v, left.spec, left.path));
        const nonNull = values.filter((v): v is string | number => v !== null);
        const parts: Sql[] = [];
        if (nonNull.length > 0) parts.push(sql`${left.sql} in (${sql.join(nonNull)})`);
        if (nonNull.length < values.length) parts.push(sql`${left.sql} is null`);
        return parts.length === 1 ? sql`(${parts[0]})` : sql`(${parts[0]} or ${parts[1]})`;
      }
      case 'call': {
        const left = propertySide(e.args[0], fields, entity);
        const arg = e.args[1];
        if (!left || (left.spec.type !== 'string' && left.spec.type !== 'guid') || arg.kind !== 'literal' || arg.type !== 'string') {
          throw new ValidationError(`${e.name}() takes a text property and a quoted text value.`, '$filter');
        }
        const needle = escapeLike(arg.value.toLowerCase());
        const pattern = e.name === 'contains' ? `%${needle}%` : e.name === 'startswith' ? `${needle}%` : `%${needle}`;
        // case-insensitive like Graph; lower() on both stores because LIKE differs between them
        return sql`(lower(${left.sql}) like ${pattern} escape '\\')`;
      }
    }
  };
  return walk(expr) as RawBuilder<SqlBool>;
}

export function orderColumn(fields: FieldMap, path: string, entity: string): string {
  return field(fields, path, entity, 'orderby').column;
}
