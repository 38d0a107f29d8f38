/**
 * The dashboard build: two pages (the dashboard, and `embed.html`, the player that the embed snippet frames),
 * relative asset paths so the same build works behind CloudFront, the local dashboard server or any folder.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: resolve(root, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: { input: { main: resolve(root, 'index.html'), embed: resolve(root, 'embed.html') } },
  },
});
