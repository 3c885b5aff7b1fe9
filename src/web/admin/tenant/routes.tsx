// Placeholder: connected organizations, settings and the audit log are being built.
// Routes here are relative to /admin: connected-organizations/*, settings, audit.
export function TenantArea() {
  return <h1>Tenant</h1>;
}
