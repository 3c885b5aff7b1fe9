// Placeholder: My Access (browse and request packages, request history, my access, approvals) is being built.
export function MyAccessArea() {
  return <h1>My Access</h1>;
}
