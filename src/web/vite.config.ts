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
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)), emptyOutDir: true, sourcemap: true,
    // libraries in chunks of their own: they change less often than the app, so browsers keep them cached
    // across releases (and the app's chunk stays under Vite's 500 kB warning since re2js came in)
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 're2js', test: /node_modules[\\/]re2js/ }, { name: 'react', test: /node_modules[\\/](react|react-dom|react-router|scheduler|cookie|set-cookie-parser)[\\/]/ }] } } },
  },
  server: { proxy: { '/v1.0': api, '/latchkey': api } },
});
