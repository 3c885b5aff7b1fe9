import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// the shared stylesheet first, so that each area's own stylesheet (imported by its routes) can refine it
import './styles.css';
import { App } from './app';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
