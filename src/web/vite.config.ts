import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The SPA is built into dist/web, which `latchkey serve` serves at `/`. In development, `npm run dev:web`
// serves it with hot reload and forwards API calls to a `latchkey serve` on port 8080.
const here = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.LATCHKEY_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: here,
  plugins: [react()],
  build: { outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)), emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/v1.0': api, '/latchkey': api } },
});
