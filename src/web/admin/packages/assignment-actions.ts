import { useEffect } from 'react';
import { api } from '../../api/client';

/** Re-reads a list a few times while the worker delivers or removes, so the change shows without a manual reload. */
export function useSettle(reload: () => void, when: unknown) {
  useEffect(() => {
    if (!when) return;
    const timers = [1000, 3000, 6000].map((ms) => setTimeout(reload, ms));
    return () => timers.forEach(clearTimeout);
  }, [when, reload]);
}

export async function removeAssignments(ids: string[], justification: string | null) {
  return api<{ removed: string[]; skipped: { id: string; reason: string }[] }>('/latchkey/v1/assignments/bulkRemove', {
    method: 'POST',
    body: { assignmentIds: ids, justification },
  });
}
