import { useEffect, useId, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
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

/**
 * The second-level navigation of a portal: a list of links; at phone width a menu button that opens the
 * whole list (a scrolling row of tabs hid the entries beyond the screen's edge).
 */
export function SideNav({ label, links }: { label: string; links: { to: string; text: string; end?: boolean }[] }) {
  const [open, setOpen] = useState(false);
  const { pathname } = useLocation();
  const listId = useId();
  const current = links.find((l) => (l.end ? pathname === l.to : pathname === l.to || pathname.startsWith(`${l.to}/`)));
  // a chosen entry (or any other navigation) closes the menu
  useEffect(() => setOpen(false), [pathname]);
  return (
    <nav className={open ? 'sidenav open' : 'sidenav'} aria-label={label}>
      <button type="button" className="sidenav-toggle" aria-expanded={open} aria-controls={listId} onClick={() => setOpen((o) => !o)}>
        <span aria-hidden="true">☰</span> {label} menu{current ? `: ${current.text}` : ''}
      </button>
      <ul id={listId}>
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
