import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { SessionGate, useMe } from './auth/session';
import { isAdministrative } from './auth/me';
import { Layout } from './components/layout';
import { AdminArea } from './admin/routes';
import { MyAccessArea } from './myaccess/routes';

// Two portals in one app: My Access for everyone (/myaccess) and administration (/admin) for people
// with a role. Each area owns its own routes below its prefix.
export function App() {
  return (
    <BrowserRouter>
      <SessionGate>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<Landing />} />
            <Route path="signin" element={<Landing />} />
            <Route path="myaccess/*" element={<MyAccessArea />} />
            <Route path="admin/*" element={<AdminArea />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </SessionGate>
    </BrowserRouter>
  );
}

/** Where signing in lands: administrators on Administration (README), everyone else on My Access. */
function Landing() {
  return <Navigate to={isAdministrative(useMe()) ? '/admin' : '/myaccess'} replace />;
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. Go to <a href="/myaccess">My Access</a>.
      </p>
    </section>
  );
}
