import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../../domain/errors.js';
import { FilterSyntaxError, parseFilter, type FilterExpr } from './filter-parser.js';

export interface ExpandItem {
  name: string;
  select?: string[];
  expand: ExpandItem[];
}

export interface OrderItem {
  path: string;
  desc: boolean;
}

export interface QueryOptions {
  filter?: FilterExpr;
  select?: string[];
  expand: ExpandItem[];
  orderby: OrderItem[];
  top?: number;
  skip: number;
  count: boolean;
}

export const MAX_PAGE_SIZE = 999;
const KNOWN = new Set(['$filter', '$select', '$expand', '$orderby', '$top', '$skip', '$count', '$skiptoken', '$format']);

/** Splits on `sep` at parenthesis depth 0, ignoring separators inside quoted strings. */
function splitTop(input: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    else if (!quoted && depth === 0 && ch === sep) {
      parts.push(input.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw new ValidationError(`Unbalanced ')' in '${input}'.`, '$expand');
  }
  if (depth !== 0) throw new ValidationError(`Unbalanced '(' in '${input}'.`, '$expand');
  parts.push(input.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const IDENT = /^[A-Za-z_][\w]*$/;

function parseSelect(value: string, option = '$select'): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (!IDENT.test(item)) throw new ValidationError(`Invalid property name '${item}' in ${option}.`, option);
  }
  return items;
}

function parseExpand(value: string, depth = 0): ExpandItem[] {
  if (depth > 3) throw new ValidationError('$expand may be nested at most 3 levels deep.', '$expand');
  return splitTop(value, ',').map((part) => {
    const open = part.indexOf('(');
    const name = (open < 0 ? part : part.slice(0, open)).trim();
    if (!IDENT.test(name)) throw new ValidationError(`Invalid navigation property '${name}' in $expand.`, '$expand');
    const item: ExpandItem = { name, expand: [] };
    if (open >= 0) {
      if (!part.endsWith(')')) throw new ValidationError(`Invalid $expand item '${part}'.`, '$expand');
      const inner = part.slice(open + 1, -1);
      for (const opt of splitTop(inner, ';')) {
        const eq = opt.indexOf('=');
        const key = eq < 0 ? opt : opt.slice(0, eq).trim();
        const val = eq < 0 ? '' : opt.slice(eq + 1).trim();
        if (key === '$select') item.select = parseSelect(val, `$expand=${name}($select)`);
        else if (key === '$expand') item.expand = parseExpand(val, depth + 1);
        else throw new ValidationError(`Unsupported option '${key}' inside $expand=${name}(...); use $select or $expand.`, '$expand');
      }
    }
    return item;
  });
}

function parseOrderBy(value: string): OrderItem[] {
  return value.split(',').map((raw) => {
    const parts = raw.trim().split(/\s+/);
    const path = parts[0] ?? '';
    const dir = (parts[1] ?? 'asc').toLowerCase();
    if (!/^[A-Za-z_][\w]*(\/[A-Za-z_][\w]*)*$/.test(path) || parts.length > 2 || (dir !== 'asc' && dir !== 'desc')) {
      throw new ValidationError(`Invalid $orderby item '${raw.trim()}': use 'property' or 'property asc|desc'.`, '$orderby');
    }
    return { path, desc: dir === 'desc' };
  });
}

function parseNonNegativeInt(option: string, value: string, max?: number): number {
  if (!/^\d{1,9}$/.test(value)) throw new ValidationError(`${option} must be a non-negative integer, got '${value}'.`, option);
  const n = Number(value);
  if (max !== undefined && n > max) throw new ValidationError(`${option} must be at most ${max}.`, option);
  return n;
}

/** Skip tokens are opaque to clients; today they carry the offset of the next page. */
export function encodeSkipToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function decodeSkipToken(token: string): number {
  try {
    const o = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown }).o;
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('$skiptoken is not valid: use the @odata.nextLink exactly as returned.', '$skiptoken');
}

// A query parameter as Fastify's parser gives it: a string, or an array when the parameter is repeated
// (parseQueryOptions refuses a repeated OData option by name, so the schema lets it through to it).
const QueryValue = Type.Union([Type.String(), Type.Array(Type.String())]);
const option = (description: string) => Type.Optional(Type.Union([Type.String({ description }), Type.Array(Type.String())]));

/**
 * The query string of a route that reads OData system query options. Every route that lists or reads
 * an entity declares it (`querystring: ODataQuery`), so the options appear in the OpenAPI document and
 * the handler's `req.query` is typed. Other parameters pass through to the route (function parameters).
 */
export const ODataQuery = Type.Object({
  $filter: option('OData $filter expression'),
  $select: option('comma-separated properties to return'),
  $expand: option('navigation properties to expand'),
  $orderby: option('properties to order by, each optionally followed by asc or desc'),
  $top: option('page size (at most 999)'),
  $skip: option('items to skip'),
  $count: option('true to include @odata.count'),
  $skiptoken: option('continuation token from @odata.nextLink'),
  $format: option('json (the only format)'),
}, { additionalProperties: QueryValue });
// Any other parameter may come too (a misspelt $ option is refused by parseQueryOptions, by name).
export type ODataQueryInput = Static<typeof ODataQuery> & Readonly<Record<string, string | string[] | undefined>>;
/** A route handler's request where the route declares `querystring: ODataQuery`. */
export type ODataRouteRequest = FastifyRequest<{ Querystring: ODataQueryInput }>;

/**
 * What the OData layer reads of a request: the query string and, for @odata.nextLink, the URL. A route
 * that declares `querystring: ODataQuery` hands over a `query` typed ODataQueryInput; a route without
 * the schema (whose `query` is unknown) does not compile.
 */
export interface ODataRequest {
  query: ODataQueryInput;
  url: string;
  protocol: string;
  host: string;
}

/**
 * Parses the OData system query options of a request. Unknown `$` options are rejected rather than
 * silently ignored, so a typo such as `$fitler` does not return an unfiltered list.
 */
export function parseQueryOptions(query: ODataQueryInput, allow: { filter?: boolean } = {}): QueryOptions {
  const get = (k: keyof ODataQueryInput & `$${string}`): string | undefined => {
    const v = query[k];
    if (v === undefined) return undefined;
    if (Array.isArray(v)) throw new ValidationError(`Query option ${k} is given more than once.`, k);
    return String(v);
  };
  for (const key of Object.keys(query)) {
    if (key.startsWith('$') && !KNOWN.has(key)) {
      const hint = key === '$search' ? ' $search is not supported; use $filter with contains() or startswith().' : '';
      throw new ValidationError(`Unsupported query option '${key}'.${hint}`, key);
    }
  }
  const opts: QueryOptions = { expand: [], orderby: [], skip: 0, count: false };
  const filter = get('$filter');
  if (filter !== undefined) {
    if (allow.filter === false) throw new ValidationError('$filter is not supported on this resource.', '$filter');
    try {
      opts.filter = parseFilter(filter);
    } catch (e) {
      if (e instanceof FilterSyntaxError) throw new ValidationError(`Invalid $filter: ${e.message}.`, '$filter');
      throw e;
    }
  }
  const select = get('$select');
  if (select !== undefined) opts.select = parseSelect(select);
  const expand = get('$expand');
  if (expand !== undefined) opts.expand = parseExpand(expand);
  const orderby = get('$orderby');
  if (orderby !== undefined) opts.orderby = parseOrderBy(orderby);
  const top = get('$top');
  if (top !== undefined) opts.top = parseNonNegativeInt('$top', top, MAX_PAGE_SIZE);
  const skip = get('$skip');
  if (skip !== undefined) opts.skip = parseNonNegativeInt('$skip', skip);
  const skipToken = get('$skiptoken');
  if (skipToken !== undefined) opts.skip = decodeSkipToken(skipToken);
  const count = get('$count');
  if (count !== undefined) {
    if (count !== 'true' && count !== 'false') throw new ValidationError(`$count must be true or false, got '${count}'.`, '$count');
    opts.count = count === 'true';
  }
  const format = get('$format');
  if (format !== undefined && format !== 'json' && format !== 'application/json') {
    throw new ValidationError(`$format '${format}' is not supported; only json is.`, '$format');
  }
  return opts;
}
