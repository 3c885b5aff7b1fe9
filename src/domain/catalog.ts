// Catalogs: containers of resources and access packages, and the unit of delegation.

export const CATALOG_STATES = ['unpublished', 'published'] as const;
export const CATALOG_TYPES = ['userManaged', 'serviceDefault', 'serviceManaged'] as const;
export type CatalogState = (typeof CATALOG_STATES)[number];
export type CatalogType = (typeof CATALOG_TYPES)[number];

export const GENERAL_CATALOG_NAME = 'General';

export const DISPLAY_NAME_MAX = 256;
export const DESCRIPTION_MAX = 2048;
