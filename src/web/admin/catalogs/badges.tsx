/** Enabled/disabled as a badge: green when on, grey when off (off is a choice, not a problem). */
export function EnabledBadge({ enabled, on = 'Enabled', off = 'Disabled' }: { enabled: boolean; on?: string; off?: string }) {
  return <span className={`badge ${enabled ? 'good' : 'neutral'}`}>{enabled ? on : off}</span>;
}
