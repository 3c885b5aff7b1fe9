import { NavLink, Outlet } from 'react-router';
import { useSession } from '../auth/session';
import { isAdministrative } from '../auth/me';

export function Layout() {
  const { me, signOut } = useSession();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand" aria-hidden="true">
          Latchkey
        </span>
        <nav aria-label="Portals">
          <NavLink to="/myaccess">My Access</NavLink>
          {isAdministrative(me) && <NavLink to="/admin">Administration</NavLink>}
        </nav>
        <div className="who">
          <span title={me.userPrincipalName}>{me.displayName}</span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

/** The second-level navigation of a portal: a list of links, a row of tabs at phone width. */
export function SideNav({ label, links }: { label: string; links: { to: string; text: string; end?: boolean }[] }) {
  return (
    <nav className="sidenav" aria-label={label}>
      <ul>
        {links.map((l) => (
          <li key={l.to}>
            <NavLink to={l.to} end={l.end}>
              {l.text}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Tabs of one object (an access package's overview, policies, assignments…) as links, so each has its own address. */
export function TabNav({ label, links }: { label: string; links: { to: string; text: string; end?: boolean }[] }) {
  return (
    <nav className="tabs" aria-label={label}>
      {links.map((l) => (
        <NavLink key={l.to} to={l.to} end={l.end}>
          {l.text}
        </NavLink>
      ))}
    </nav>
  );
}
