import type { Db, Tx } from './db.js';
import type { CatalogsTable } from './schema.js';

// Catalogs: their rows, and the removal of a catalog together with what only it holds.

type CatalogRow = CatalogsTable;

/** A catalog by id, or undefined. */
export async function findCatalogById(db: Db | Tx, id: string): Promise<CatalogRow | undefined> {
  return db.selectFrom('catalogs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The built-in General catalog (catalogType serviceDefault), or undefined before it is created. */
export async function findDefaultCatalog(db: Db | Tx): Promise<CatalogRow | undefined> {
  return db.selectFrom('catalogs').selectAll().where('catalogType', '=', 'serviceDefault').executeTakeFirst();
}

export async function insertCatalog(db: Db | Tx, row: CatalogRow): Promise<void> {
  await db.insertInto('catalogs').values(row).execute();
}

/** Writes every column of the catalog `row.id`. */
export async function updateCatalog(db: Db | Tx, row: CatalogRow): Promise<void> {
  await db.updateTable('catalogs').set(row).where('id', '=', row.id).execute();
}

/** Deletes a catalog with its resources (their roles and scopes) and the role assignments scoped to it. */
export async function deleteCatalog(tx: Tx, id: string): Promise<void> {
  const resourceIds = tx.selectFrom('resources').select('id').where('catalogId', '=', id);
  await tx.deleteFrom('resourceRoles').where('resourceId', 'in', resourceIds).execute();
  await tx.deleteFrom('resourceScopes').where('resourceId', 'in', resourceIds).execute();
  await tx.deleteFrom('resources').where('catalogId', '=', id).execute();
  await tx.deleteFrom('roleAssignments').where('catalogId', '=', id).execute();
  await tx.deleteFrom('catalogs').where('id', '=', id).execute();
}
