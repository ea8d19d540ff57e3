import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * Puts the theme script (src/theme-boot.ts, rule UI16) first in <head> as a classic, blocking
 * script, so the theme is set before the first paint. A module script would run after the
 * body was parsed (and perhaps painted); the CSP forbids an inline one. In the build it is
 * its own content-hashed file under assets/; on the dev server the module (a flash is fine).
 */
function themeBeforePaint(): Plugin {
  return {
    name: 'parley-theme-before-paint',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const chunk = Object.values(ctx.bundle ?? {}).find(
          (c) => c.type === 'chunk' && c.isEntry && c.name === 'theme',
        );
        const attrs = chunk
          ? { src: `/${chunk.fileName}` }
          : { type: 'module', src: '/src/theme-boot.ts' };
        return [{ tag: 'script', attrs, injectTo: 'head-prepend' }];
      },
    },
  };
}

/**
 * The web UI's build: web/ → dist/web/, which the node serves at `/` (src/gateway/http/static.ts).
 * Everything ships from the node itself: no CDN, no inline script or style (the CSP forbids
 * both), content-hashed file names under assets/ so they can be cached for a year.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  plugins: [themeBeforePaint()],
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // A data: URL would be an inline asset; keep every asset a file of its own.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rollupOptions: {
      // The page, and the service worker: at the root as `sw.js` (its scope is the folder it is
      // served from, so it cannot live under assets/), not hashed (the browser checks it for
      // updates itself, and the node serves it uncached).
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        sw: fileURLToPath(new URL('src/sw.ts', import.meta.url)),
        theme: fileURLToPath(new URL('src/theme-boot.ts', import.meta.url)),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  // `npm run dev:web`: hot reload against a node on :8080 (`npm run dev`).
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
