import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { crdFor, gitopsGuards } from './crd.ts';
import { allKinds } from './kinds.ts';

// Deleting a CRD deletes every object of its kind, so no GitOps tool may do it on its own: every
// generated CRD — crds/, the chart's templates, deploy/tessera.yaml — carries the guards Argo CD,
// Flux and Helm honour (docs/gitops.md). Read from the generated files, as users apply them.

const repoFile = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

/** Argo CD's sync options as it reads the annotation: comma-separated, white space trimmed. */
const syncOptions = (annotations: Record<string, string> | undefined): string[] =>
  (annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',').map((option) => option.trim());

interface CrdDoc {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
}

function expectGuarded(annotations: Record<string, string> | undefined): void {
  expect(syncOptions(annotations)).toEqual(expect.arrayContaining(['Prune=false', 'Delete=false']));
  expect(annotations?.['kustomize.toolkit.fluxcd.io/prune']).toBe('disabled');
}

describe.each(allKinds.map((kind) => [crdFor(kind).metadata.name] as const))('the CRD %s', (name) => {
  it('is generated with the guards: Argo CD neither prunes nor deletes it, Flux never prunes it', () => {
    const crd = crdFor(allKinds.find((kind) => `${kind.plural}.${kind.group}` === name)!);
    expect(crd.metadata.annotations).toEqual(gitopsGuards);
    expectGuarded(crd.metadata.annotations);
  });

  it('carries them in crds/', () => {
    expectGuarded((parse(repoFile(`crds/${name}.yaml`)) as CrdDoc).metadata.annotations);
  });

  it("carries them in the chart, with helm's keep, unless crds.keep is false", () => {
    const template = repoFile(`charts/tessera/templates/crds/${name}.yaml`);
    const kept = /\{\{- if \.Values\.crds\.keep \}\}\n {2}annotations:\n((?: {4}.+\n)+) {2}\{\{- end \}\}/.exec(template)?.[1] ?? '';
    const annotations = parse(kept) as Record<string, string> | null;
    expect(annotations?.['helm.sh/resource-policy']).toBe('keep');
    expectGuarded(annotations ?? undefined);
  });

  it('carries them, and keep, in deploy/tessera.yaml (the default install)', () => {
    const docs = parseAllDocuments(repoFile('deploy/tessera.yaml')).map((doc) => doc.toJS() as CrdDoc | null);
    const crd = docs.find((doc) => doc?.kind === 'CustomResourceDefinition' && doc.metadata.name === name);
    expect(crd?.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expectGuarded(crd?.metadata.annotations);
  });
});
