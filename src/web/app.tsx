import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { SessionGate } from './auth/session';
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
            <Route index element={<Navigate to="/myaccess" replace />} />
            <Route path="signin" element={<Navigate to="/myaccess" replace />} />
            <Route path="myaccess/*" element={<MyAccessArea />} />
            <Route path="admin/*" element={<AdminArea />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </SessionGate>
    </BrowserRouter>
  );
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
