// The audit log as the API reads it (GET auditLogs/directoryAudits), in Graph's directoryAudit shape.
// Reached only through its own routes, which need the tenant action audit.read.
import type { AuditEventRow } from '../../services/audit-log.js';
import type { ModifiedProperty } from '../../store/audit.js';
import type { Db } from '../../store/db.js';
import type { EntitySet, GraphObject } from '../odata/collection.js';

export const AUDIT_RESULTS = ['success', 'failure', 'timeout'] as const;

/** Graph's operationType from our activity wording ('Create catalog' → 'Add'). */
function operationType(activity: string): string {
  const verb = activity.split(' ')[0]?.toLowerCase();
  if (verb === 'create' || verb === 'add') return 'Add';
  if (verb === 'update') return 'Update';
  if (verb === 'delete' || verb === 'remove') return 'Delete';
  return 'Other';
}

/** Graph sends old and new values as JSON text (e.g. "\"Contoso\""), null when there is none. */
const asJsonText = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export function auditEventToGraph(r: AuditEventRow): GraphObject {
  const props = JSON.parse(r.modifiedProperties) as ModifiedProperty[];
  return {
    id: r.id,
    category: r.category,
    correlationId: r.correlationId,
    result: r.result,
    resultReason: '',
    activityDisplayName: r.activity,
    activityDateTime: r.occurredAt,
    loggedByService: r.category === 'EntitlementManagement' ? 'Entitlement Management' : 'Core Directory',
    operationType: operationType(r.activity),
    // events the system writes (worker, bootstrap) have no user: Graph shows those as initiated by an app
    initiatedBy: r.actorId
      ? { user: { id: r.actorId, displayName: r.actorDisplayName, userPrincipalName: null, ipAddress: null }, app: null }
      : { user: null, app: { appId: null, displayName: r.actorDisplayName ?? 'Latchkey', servicePrincipalId: null, servicePrincipalName: null } },
    targetResources: [{
      id: r.targetId,
      displayName: r.targetDisplayName,
      type: r.targetType,
      userPrincipalName: null,
      groupType: null,
      modifiedProperties: props.map((p) => ({ displayName: p.displayName, oldValue: asJsonText(p.oldValue), newValue: asJsonText(p.newValue) })),
    }],
    additionalDetails: [],
  };
}

export const directoryAuditSet: EntitySet<AuditEventRow, unknown> = {
  entity: 'directoryAudit',
  fields: {
    id: { column: 'auditEvents.id', type: 'guid' },
    category: { column: 'auditEvents.category', type: 'string' },
    activityDisplayName: { column: 'auditEvents.activity', type: 'string' },
    activityDateTime: { column: 'auditEvents.occurredAt', type: 'datetime' },
    correlationId: { column: 'auditEvents.correlationId', type: 'string' },
    result: { column: 'auditEvents.result', type: 'enum', values: AUDIT_RESULTS },
    'initiatedBy/user/id': { column: 'auditEvents.actorId', type: 'guid' },
    'initiatedBy/user/displayName': { column: 'auditEvents.actorDisplayName', type: 'string' },
    'targetResources/id': { column: 'auditEvents.targetId', type: 'string' },
    'targetResources/displayName': { column: 'auditEvents.targetDisplayName', type: 'string' },
    'targetResources/type': { column: 'auditEvents.targetType', type: 'string' },
  },
  properties: [
    'id', 'category', 'correlationId', 'result', 'resultReason', 'activityDisplayName', 'activityDateTime', 'loggedByService',
    'operationType', 'initiatedBy', 'targetResources', 'additionalDetails',
  ],
  navigation: {},
  // reached only through its own routes, which need audit.read
  readable: () => 'all',
  defaultOrder: 'activityDateTime',
  idColumn: 'auditEvents.id',
  toGraph: auditEventToGraph,
};

export const allAuditEvents = (db: Db) => db.selectFrom('auditEvents').selectAll('auditEvents');
