import { describe, expect, it } from 'vitest';
import { builtImage, loadedImage, namesImage, tesseraImage, tesseraImageReference } from '../support/image.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { kubectl } from '../support/kubectl.ts';
import { onRealNode, terminated } from '../support/real-node.ts';

// Tessera's image is the top-level Dockerfile, built by buildah (scripts/images/build.sh) from a
// locally seeded node:24-bookworm-slim and tagged with the chart's appVersion: the one image the
// real node runs, the same `docker build .` makes anywhere.

const { core } = kube();
const ns = useNamespace(import.meta.filename);

/** What a container of the image sees of itself, printed as JSON by `node -e`. */
const selfReport = `
const fs = require('node:fs');
console.log(JSON.stringify({
  uid: process.getuid(), node: process.version, env: process.env.NODE_ENV, cwd: process.cwd(),
  app: fs.readdirSync('/app').sort(), bundle: fs.readdirSync('/app/tessera').sort(), ui: fs.readdirSync('/app/tessera/ui').sort(),
}));`;

describe("Tessera's image", () => {
  it('is built from the top-level Dockerfile on node:24-bookworm-slim, as user 65532, tagged with the appVersion', () => {
    const built = builtImage();
    expect(tesseraImage).toMatch(/^tessera\/operator:\d+\.\d+\.\d+/);
    expect(built.baseName).toBe('docker.io/library/node:24-bookworm-slim');
    expect(built.user).toBe('65532:65532');
    expect(built.entrypoint).toEqual(['node', '/app/tessera/tessera.mjs']);
    expect(built.history.some((step) => step.includes('useradd --uid 65532'))).toBe(true);
  });

  it('is the image the real node holds under that tag', () => {
    expect(loadedImage().config, `containerd's ${tesseraImageReference} is not buildah's; run scripts/images/build.sh`).toBe(builtImage().id);
  });

  it('runs on the real node with Node 24, holding the bundled command, its source map and the page: no node_modules, sources or tests', async () => {
    await core.createNamespacedPod({ namespace: ns.name, body: onRealNode().nodeScript(selfReport).pod('self-report') });
    const state = await waitFor('the container to finish', async () => terminated(await core.readNamespacedPod({ name: 'self-report', namespace: ns.name })));
    expect(state.exitCode).toBe(0);
    const pod = await core.readNamespacedPod({ name: 'self-report', namespace: ns.name });
    expect(namesImage(pod.status?.containerStatuses?.[0]?.imageID ?? '', loadedImage())).toBe(true);
    const report = JSON.parse(kubectl(['logs', '-n', ns.name, 'self-report'])) as Record<string, unknown>;
    expect(report).toMatchObject({ uid: 65532, env: 'production', cwd: '/app', app: ['tessera'], ui: ['app-style.css', 'app.js', 'index.html'] });
    // The entry, esbuild's chunks (each command's code apart) with their source maps, and the page.
    const bundle = report.bundle as string[];
    expect(bundle).toContain('tessera.mjs');
    expect(bundle.filter((f) => f.startsWith('chunk-')).length).toBeGreaterThan(10);
    expect(bundle.filter((f) => !/^(tessera|chunk-\w+)\.mjs(\.map)?$/.test(f))).toEqual(['ui']);
    expect(report.node).toMatch(/^v24\./);
  });
});
