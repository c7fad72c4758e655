import { beforeAll, describe, expect, it } from 'vitest';
import { chartDir, helmRun, only, renderChart, setJson, type Manifest } from '../support/helm.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// The chart's object-store values, as `helm template` renders them: keys or the SDK's default
// credential chain, a CA bundle the operator mounts, path style and the checksum mode reaching the
// operator's environment. What the operator does with them: src/operator/store-options.test.ts,
// src/storage/s3-client-config.test.ts and test/integration/s3-compatibility.test.ts.

beforeAll(() => awaitLatePart('helm'), latePartWaitMs);

const endpoint = 'https://s3.eu-west-3.amazonaws.com';
const pem = '-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n';

interface OperatorPod {
  annotations: Record<string, string>;
  env: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  mounts: Array<{ name: string; mountPath: string }>;
  volumes: Array<{ name: string; configMap?: { name: string } }>;
}

function operatorPod(manifests: Manifest[]): OperatorPod {
  const deployment = only(manifests, 'Deployment') as unknown as {
    spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: Array<{ env: OperatorPod['env']; volumeMounts: OperatorPod['mounts'] }>; volumes: OperatorPod['volumes'] } } };
  };
  const { metadata, spec } = deployment.spec.template;
  return { annotations: metadata.annotations, env: spec.containers[0]!.env, mounts: spec.containers[0]!.volumeMounts, volumes: spec.volumes };
}

function envValue(pod: OperatorPod, name: string): string | undefined {
  return pod.env.find((e) => e.name === name)?.value;
}

const render = (objectStore: Record<string, unknown>): Manifest[] => renderChart('tessera', 'tessera-system', { objectStore: { endpoint, ...objectStore } });

describe('the chart with an object store', () => {
  it("creates no Secret and passes no keys without them: the operator uses the SDK's default credential chain", () => {
    const manifests = render({ region: 'eu-west-3' });
    expect(manifests.some((m) => m.kind === 'Secret' && m.metadata.name === 'tessera-object-store')).toBe(false);
    const pod = operatorPod(manifests);
    expect(pod.env.map((e) => e.name)).not.toEqual(expect.arrayContaining(['TESSERA_S3_ACCESS_KEY']));
    expect(pod.env.map((e) => e.name)).not.toContain('TESSERA_S3_SECRET_KEY');
    expect(envValue(pod, 'TESSERA_S3_ENDPOINT')).toBe(endpoint);
    expect(envValue(pod, 'TESSERA_S3_REGION')).toBe('eu-west-3');
  });

  it('passes keys from its own Secret, or from an existing one', () => {
    const own = render({ accessKey: 'ak', secretKey: 'sk' });
    expect(only(own, 'Secret', 'tessera-object-store')).toBeDefined();
    expect(operatorPod(own).env).toContainEqual({ name: 'TESSERA_S3_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'tessera-object-store', key: 'accessKey' } } });
    const existing = operatorPod(render({ existingSecret: 'store-keys' }));
    expect(existing.env).toContainEqual({ name: 'TESSERA_S3_SECRET_KEY', valueFrom: { secretKeyRef: { name: 'store-keys', key: 'secretKey' } } });
  });

  it('refuses half a key pair, saying what to give', () => {
    for (const half of [{ accessKey: 'ak' }, { secretKey: 'sk' }]) {
      const result = helmRun(['template', 'tessera', chartDir, ...setJson({ objectStore: { endpoint, ...half } })]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/objectStore needs both accessKey and secretKey, or neither/);
    }
  });

  it('mounts the CA bundle from a ConfigMap and points the operator at it; a new CA restarts the operator', () => {
    const manifests = render({ caBundle: pem });
    const configMap = only(manifests, 'ConfigMap', 'tessera-object-store-ca') as unknown as { data: Record<string, string> };
    expect(configMap.data).toEqual({ 'ca.crt': pem });
    const pod = operatorPod(manifests);
    expect(envValue(pod, 'TESSERA_S3_CA_BUNDLE_FILE')).toBe('/etc/tessera/object-store-ca/ca.crt');
    expect(pod.mounts).toContainEqual(expect.objectContaining({ name: 'object-store-ca', mountPath: '/etc/tessera/object-store-ca' }));
    expect(pod.volumes).toContainEqual({ name: 'object-store-ca', configMap: { name: 'tessera-object-store-ca' } });
    const other = operatorPod(render({ caBundle: pem.replace('dummy', 'other') }));
    expect(other.annotations['checksum/object-store']).not.toBe(pod.annotations['checksum/object-store']);

    const without = render({});
    expect(without.some((m) => m.kind === 'ConfigMap')).toBe(false);
    expect(operatorPod(without).env.map((e) => e.name)).not.toContain('TESSERA_S3_CA_BUNDLE_FILE');
  });

  it('passes path style and the checksum mode, path-style with required checksums by default', () => {
    const defaults = operatorPod(render({}));
    expect([envValue(defaults, 'TESSERA_S3_FORCE_PATH_STYLE'), envValue(defaults, 'TESSERA_S3_CHECKSUM_MODE')]).toEqual(['true', 'required']);
    const gcs = operatorPod(render({ endpoint: 'https://storage.googleapis.com', forcePathStyle: false, checksumMode: 'off' }));
    expect([envValue(gcs, 'TESSERA_S3_FORCE_PATH_STYLE'), envValue(gcs, 'TESSERA_S3_CHECKSUM_MODE')]).toEqual(['false', 'off']);
    const refused = helmRun(['template', 'tessera', chartDir, ...setJson({ objectStore: { endpoint, checksumMode: 'sometimes' } })]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/checksumMode/);
  });
});
