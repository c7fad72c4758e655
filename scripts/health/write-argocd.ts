// Writes deploy/argocd/argocd-cm.yaml and the Argo CD test cases (health_test.yaml, testdata/) of
// every kind from the health.lua files and the status builders' cases (scripts/health/argocd-files.ts).
// Needs the health part: scripts/build-parts.sh health.
//
//   node scripts/health/write-argocd.ts

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { customizationsDir, verdictsOf } from '../../test/support/health.ts';
import { argoKinds, renderArgoFiles } from './argocd-files.ts';

const deployDir = fileURLToPath(new URL('../../deploy/argocd', import.meta.url));
const files = renderArgoFiles(customizationsDir, verdictsOf);
// testdata/ is all generated: a case that was renamed or dropped must not leave its old file behind.
for (const kind of argoKinds) rmSync(join(customizationsDir, 'tessera.dev', kind, 'testdata'), { recursive: true, force: true });
for (const [path, content] of files) {
  mkdirSync(dirname(join(deployDir, path)), { recursive: true });
  writeFileSync(join(deployDir, path), content);
}
console.log(`wrote ${files.size} files to deploy/argocd/`);
