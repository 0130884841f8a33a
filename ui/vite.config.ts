// The dashboard's front end: Preact, built by Vite into dist/ui, which `lanes ui` serves as fixed
// files (no CDN, nothing fetched at run time). `npm run build` runs this after tsup.
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  logLevel: 'warn',
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    // One small bundle; source maps stay out of the package.
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
});
