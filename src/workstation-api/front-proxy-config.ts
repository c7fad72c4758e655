// Reads the request-header settings and CA the API server publishes for aggregated API servers, in
// kube-system/extension-apiserver-authentication (what k8s.io/apiserver's delegated authentication
// reads). The operator needs the built-in extension-apiserver-authentication-reader Role for it.
import * as k8s from '@kubernetes/client-node';
import type { FrontProxySettings } from './front-proxy.ts';

/** The front-proxy CA bundle and the settings that go with it. */
export interface FrontProxyConfig {
  caBundle: string;
  settings: FrontProxySettings;
}

function list(data: Record<string, string>, key: string): string[] {
  const raw = data[key];
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/** Parses the ConfigMap's data; throws when the API server runs without a front proxy. */
export function frontProxyConfigOf(data: Record<string, string>): FrontProxyConfig {
  const caBundle = data['requestheader-client-ca-file'];
  if (!caBundle) {
    throw new Error('kube-system/extension-apiserver-authentication has no requestheader-client-ca-file: start the API server with --requestheader-client-ca-file and --proxy-client-cert-file (the aggregation layer)');
  }
  return {
    caBundle,
    settings: {
      allowedNames: list(data, 'requestheader-allowed-names'),
      usernameHeaders: list(data, 'requestheader-username-headers'),
      groupHeaders: list(data, 'requestheader-group-headers'),
      extraHeaderPrefixes: list(data, 'requestheader-extra-headers-prefix'),
    },
  };
}

/** Reads the ConfigMap through `core`. */
export async function readFrontProxyConfig(core: k8s.CoreV1Api): Promise<FrontProxyConfig> {
  const map = await core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'extension-apiserver-authentication' });
  return frontProxyConfigOf(map.data ?? {});
}
