/** Base paths of the Graph-compatible API. */
export const V1 = '/v1.0';
export const EM = `${V1}/identityGovernance/entitlementManagement`;
export const ROLE_MGMT = `${V1}/roleManagement/entitlementManagement`;

/** Graph's @odata.type annotation for an entity type name. */
export const odataType = (name: string) => `#microsoft.graph.${name}`;
