import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

// Bundles the dashboard's page (src/ui/app) into static files with esbuild: one script, one
// stylesheet (uPlot's included) and index.html, nothing fetched at run time. `tessera ui` runs this
// on start where esbuild is installed (a checkout: edit the page and run, as the rest of the code
// has no build step); an install without devDependencies serves what `npm run ui:build` left in
// dist/ui/ (`node src/ui/build.ts DIR` bundles into DIR: scripts/package-cli.sh puts it in the package).

const appDir = fileURLToPath(new URL('./app/', import.meta.url));

/** Where the bundled page lives. */
export const uiDist = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

/** Bundles the page into `outDir`; returns how long it took. */
export async function buildUi(outDir = uiDist): Promise<{ ms: number }> {
  const started = performance.now();
  const esbuild = await import('esbuild');
  await mkdir(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: { app: `${appDir}main.ts`, 'app-style': `${appDir}style.css` },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    outdir: outDir,
    logLevel: 'warning',
  });
  await copyFile(`${appDir}index.html`, `${outDir}index.html`);
  return { ms: Math.round(performance.now() - started) };
}

// No top-level await: the CLI package bundles this module as CommonJS.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ? `${process.argv[2].replace(/\/$/, '')}/` : uiDist;
  void buildUi(outDir).then(({ ms }) => console.log(`dashboard bundled into ${outDir} in ${ms} ms`));
}
