import { Navigate, Route, Routes } from 'react-router';
import { SideNav } from '../components/layout';
import { ApprovalsPage } from './approvals-page';
import { HistoryPage } from './history-page';
import { MyAccessPage } from './my-access-page';
import { PackagesPage } from './packages-page';
import { RequestPage } from './request-page';
import './myaccess.css';

// My Access: what every signed-in person can do, whatever their roles: request packages, follow and
// cancel their requests, see and extend their access, and decide approvals assigned to them.
export function MyAccessArea() {
  const links = [
    { to: '/myaccess/packages', text: 'Access packages' },
    { to: '/myaccess/requests', text: 'Request history' },
    { to: '/myaccess/access', text: 'My assignments' },
    { to: '/myaccess/approvals', text: 'Approvals' },
  ];
  return (
    <div className="area ma-area">
      <SideNav label="My Access" links={links} />
      <div className="area-content">
        <Routes>
          <Route index element={<Navigate to="packages" replace />} />
          <Route path="packages" element={<PackagesPage />} />
          <Route path="packages/:id" element={<RequestPage />} />
          <Route path="requests" element={<HistoryPage />} />
          <Route path="access" element={<MyAccessPage />} />
          <Route path="approvals" element={<ApprovalsPage view="pending" />} />
          <Route path="approvals/history" element={<ApprovalsPage view="history" />} />
          {/* absolute: a relative "packages" from an unknown path resolves under it (history/packages), and again, without end */}
          <Route path="*" element={<Navigate to="/myaccess/packages" replace />} />
        </Routes>
      </div>
    </div>
  );
}
