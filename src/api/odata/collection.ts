import { sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { ForbiddenError, ValidationError } from '../../domain/errors.js';
import type { Database } from '../../store/schema.js';
import { encodeSkipToken, parseQueryOptions, type ExpandItem, type ODataRequest, type QueryOptions } from './query-options.js';
import { filterToSql, orderColumn, type FieldMap } from './sql.js';

export type GraphObject = { id: string } & Record<string, unknown>;

/** Loads one navigation property for a page of objects (one query for the page, never one per object). */
export type NavigationLoader<C> = (items: GraphObject[], item: ExpandItem, ctx: C) => Promise<void>;

// Kysely's builder types encode the selected tables; the runner works on any of them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyQuery = SelectQueryBuilder<Database, any, any>;
export type AnyExpressionBuilder = ExpressionBuilder<Database, keyof Database>;

/**
 * Who may read which objects of an entity set. `where` narrows any query that has the entity's table
 * under its own name (the direct routes' queries and every navigation loader's); `keep` settles, on the
 * loaded rows, what SQL cannot say (e.g. a policy's audience). 'all': no narrowing; 'none': nothing.
 */
export type ReadRule<Row> = 'all' | 'none' | {
  where?: (eb: AnyExpressionBuilder) => Expression<SqlBool>;
  keep?(rows: Row[]): Promise<Row[]>;
};

export interface EntitySet<Row, C> {
  /** name used in error messages, e.g. 'accessPackage' */
  entity: string;
  fields: FieldMap;
  /** properties a client may $select (navigation properties are listed under `navigation`) */
  properties: readonly string[];
  navigation: Record<string, NavigationLoader<C>>;
  defaultOrder: string;
  /** unique column that breaks ties so that paging is stable; its table is the entity's table */
  idColumn: string;
  toGraph(row: Row): GraphObject;
  /** completes a page of objects from other tables in one query (e.g. the identity source's name), before $expand and $select */
  decorate?: (items: GraphObject[], ctx: C) => Promise<void>;
  /**
   * The one read rule of the entity: the direct routes (list and get by id) and every $expand that
   * reaches the entity apply it, so an expansion never shows what the entity's own route refuses.
   */
  readable(ctx: C): ReadRule<Row>;
}

export const DEFAULT_PAGE_SIZE = 100;

/** Narrows a query (that has the entity's table) to what the rule lets the caller read. */
export function whereReadable<Q extends AnyQuery, Row>(q: Q, rule: ReadRule<Row>): Q {
  if (rule === 'all') return q;
  if (rule === 'none') return q.where(sql<SqlBool>`1 = 0`) as Q;
  return rule.where ? (q.where(rule.where) as Q) : q;
}

/** Runs a query for rows of `set` and keeps those the caller may read. */
export async function readRows<Row, C>(set: EntitySet<Row, C>, q: AnyQuery, ctx: C): Promise<Row[]> {
  const rule = set.readable(ctx);
  if (rule === 'none') return [];
  const rows = (await whereReadable(q, rule).execute()) as Row[];
  return rule !== 'all' && rule.keep ? rule.keep(rows) : rows;
}

/** 403 unless the caller may read this row of `set` (loaded by id, without the rule): what a get-by-id route answers. */
export async function assertReadable<Row, C>(set: EntitySet<Row, C>, row: Row, ctx: C): Promise<void> {
  if (set.readable(ctx) === 'all') return;
  const db = (ctx as { db?: { selectFrom: (t: never) => AnyQuery } } | undefined)?.db;
  if (!db || !(await canRead(set as EntitySet<Row & { id: string }, C>, row as Row & { id: string }, ctx, db))) {
    throw new ForbiddenError(`You may not read this ${set.entity}.`);
  }
}

/** Whether the caller may read one row of `set` (the row was loaded by id, without the rule). */
export async function canRead<Row extends { id: string }, C>(set: EntitySet<Row, C>, row: Row, ctx: C, db: { selectFrom: (t: never) => AnyQuery }): Promise<boolean> {
  const rule = set.readable(ctx);
  if (rule === 'all') return true;
  if (rule === 'none') return false;
  if (rule.where) {
    const table = set.idColumn.slice(0, set.idColumn.lastIndexOf('.'));
    const q = db.selectFrom(table as never).select(sql.ref(set.idColumn).as('id')).where(sql.ref(set.idColumn), '=', row.id);
    if (!(await whereReadable(q, rule).executeTakeFirst())) return false;
  }
  return rule.keep ? (await rule.keep([row])).length > 0 : true;
}

export async function expandAll<C>(set: EntitySet<unknown, C>, items: GraphObject[], expand: ExpandItem[], ctx: C): Promise<void> {
  if (items.length === 0) return;
  // every path that turns rows into objects (lists, get by id, expansions) passes here once per page
  if (set.decorate) await set.decorate(items, ctx);
  for (const item of expand) {
    const loader = set.navigation[item.name];
    if (!loader) {
      const known = Object.keys(set.navigation);
      throw new ValidationError(
        `'${item.name}' is not a navigation property of ${set.entity} that can be expanded${known.length ? `; use one of: ${known.join(', ')}` : ''}.`,
        '$expand',
      );
    }
    await loader(items, item, ctx);
  }
}

/** Keeps `id`, annotations, the selected properties and the expanded navigation properties. */
export function applySelect(set: { entity: string; properties: readonly string[] }, obj: GraphObject, select: string[] | undefined, expanded: ExpandItem[]): GraphObject {
  if (!select) return obj;
  for (const p of select) {
    if (!set.properties.includes(p)) {
      throw new ValidationError(`'${p}' is not a property of ${set.entity}; selectable: ${set.properties.join(', ')}.`, '$select');
    }
  }
  const keep = new Set([...select, 'id', ...expanded.map((e) => e.name)]);
  const out: GraphObject = { id: obj.id };
  for (const [k, v] of Object.entries(obj)) {
    if (keep.has(k) || k.startsWith('@odata.')) out[k] = v;
  }
  return out;
}

/**
 * Shapes one object already loaded: $select and $expand as the request asks. Refuses (403) an object
 * the entity's read rule does not let the caller read, so every get-by-id route applies the rule.
 */
export async function shapeOne<Row, C>(set: EntitySet<Row, C>, row: Row, req: ODataRequest, ctx: C): Promise<GraphObject> {
  await assertReadable(set, row, ctx);
  const opts = parseQueryOptions(req.query, { filter: false });
  const obj = set.toGraph(row);
  await expandAll(set as EntitySet<unknown, C>, [obj], opts.expand, ctx);
  return applySelect(set, obj, opts.select, opts.expand);
}

/** The absolute URL of the page starting at `offset`: the request's own URL with a skip token. */
export function nextLink(req: Omit<ODataRequest, 'query'>, offset: number): string {
  const url = new URL(req.url, `${req.protocol}://${req.host}`);
  url.searchParams.delete('$skip');
  url.searchParams.set('$skiptoken', encodeSkipToken(offset));
  return url.toString();
}

export interface Page {
  '@odata.context'?: string;
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
  value: GraphObject[];
}

/**
 * Runs a Graph collection request: $filter, $orderby, $top/$skip/$skiptoken, $count, $expand and
 * $select over `base`, which the caller has already narrowed to what the caller may read.
 */
export async function listCollection<Row, C>(
  set: EntitySet<Row, C>,
  base: AnyQuery,
  req: ODataRequest,
  ctx: C,
  options?: QueryOptions,
): Promise<Page> {
  const opts = options ?? parseQueryOptions(req.query);
  let q = whereReadable(base, set.readable(ctx));
  if (opts.filter) q = q.where(filterToSql(opts.filter, set.fields, set.entity));
  const countQuery = opts.count ? q : undefined;
  const order = opts.orderby.length > 0 ? opts.orderby : [{ path: set.defaultOrder, desc: false }];
  for (const o of order) q = q.orderBy(sql.ref(orderColumn(set.fields, o.path, set.entity)), o.desc ? 'desc' : 'asc');
  q = q.orderBy(sql.ref(set.idColumn), 'asc');
  const pageSize = opts.top ?? DEFAULT_PAGE_SIZE;
  // one extra row tells whether a next page exists without a second query
  const loaded = (await q.limit(pageSize + 1).offset(opts.skip).execute()) as Row[];
  const more = loaded.length > pageSize;
  // the routes' base queries are already within the rule, so `keep` drops nothing there (and paging holds)
  const rule = set.readable(ctx);
  const rows = rule !== 'all' && rule !== 'none' && rule.keep ? await rule.keep(loaded.slice(0, pageSize)) : loaded;
  const items = rows.slice(0, pageSize).map((r) => set.toGraph(r));
  await expandAll(set as EntitySet<unknown, C>, items, opts.expand, ctx);
  const page: Page = { value: items.map((o) => applySelect(set, o, opts.select, opts.expand)) };
  if (countQuery) {
    const r = await countQuery.clearSelect().clearOrderBy().select(sql<number | string>`count(*)`.as('n')).executeTakeFirst();
    page['@odata.count'] = Number((r as { n: number | string } | undefined)?.n ?? 0);
  }
  if (more) page['@odata.nextLink'] = nextLink(req, opts.skip + pageSize);
  return page;
}

/** The distinct ids of a page of objects: what a navigation loader queries by. */
export const pageIds = (items: GraphObject[]): string[] => [...new Set(items.map((i) => i.id))];

/** A row loaded for a navigation property, tagged with the id of the object it belongs to. */
export type Owned<R> = R & { ownerId: string };

/**
 * Attaches a collection-valued navigation property to a page of objects, from one query (not yet run)
 * for the rows of `set`, each tagged with its owner's id: the child set's read rule filters them.
 */
export async function attachMany<R, C>(items: GraphObject[], item: ExpandItem, ctx: C, set: EntitySet<R, C>, query: AnyQuery): Promise<void> {
  const rows = (await readRows(set, query, ctx)) as Owned<R>[];
  const byOwner = new Map<string, GraphObject[]>();
  const children: GraphObject[] = [];
  for (const r of rows) {
    const g = set.toGraph(r);
    children.push(g);
    const list = byOwner.get(r.ownerId);
    if (list) list.push(g);
    else byOwner.set(r.ownerId, [g]);
  }
  await expandAll(set as EntitySet<unknown, C>, children, item.expand, ctx);
  for (const it of items) it[item.name] = (byOwner.get(it.id) ?? []).map((g) => applySelect(set, g, item.select, item.expand));
}

/** Attaches a single-valued navigation property: null when the target is gone or the caller may not read it. */
export async function attachOne<R, C>(items: GraphObject[], item: ExpandItem, ctx: C, set: EntitySet<R, C>, query: AnyQuery): Promise<void> {
  const rows = (await readRows(set, query, ctx)) as Owned<R>[];
  const byOwner = new Map<string, GraphObject>();
  for (const r of rows) if (!byOwner.has(r.ownerId)) byOwner.set(r.ownerId, set.toGraph(r));
  const targets = [...byOwner.values()];
  await expandAll(set as EntitySet<unknown, C>, targets, item.expand, ctx);
  for (const it of items) {
    const g = byOwner.get(it.id);
    it[item.name] = g ? applySelect(set, g, item.select, item.expand) : null;
  }
}
