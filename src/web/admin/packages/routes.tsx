// Placeholder: access packages (list, overview, resource roles, policies, assignments, requests) are being built.
export function PackagesArea() {
  return <h1>Access packages</h1>;
}
