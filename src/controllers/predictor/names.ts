import type { Predictor } from '../../api/predictor.ts';
import { defaultPredictorPort } from '../../api/predictor.ts';
import { labels, managedByValue } from '../job/names.ts';

// The names and labels of a Predictor's children. Deterministic, so a repeated create is
// AlreadyExists, never a second Deployment; the labels map a child (and its pods) back to the
// Predictor, and the uid label keeps a re-created Predictor of the same name from claiming them.

/** Label keys on a Predictor's Deployment, Service and pods. */
export const predictorLabels = {
  predictor: 'tessera.dev/predictor',
  predictorUid: 'tessera.dev/predictor-uid',
} as const;

/** The component label of a Predictor's children. */
export const predictorComponent = 'predictor';

/** The Deployment and the Service of a Predictor: `<name>-predictor` (the CRD keeps names ≤ 53). */
export function predictorChildName(predictorName: string): string {
  return `${predictorName}-predictor`;
}

/** The port the Predictor's server listens on (and its Service serves). */
export function predictorPort(predictor: Readonly<Predictor>): number {
  return predictor.spec.port ?? defaultPredictorPort;
}

/** The Service's in-cluster URL. */
export function predictorEndpoint(predictor: Readonly<Predictor>): string {
  return `http://${predictorChildName(predictor.metadata.name)}.${predictor.metadata.namespace ?? ''}.svc:${predictorPort(predictor)}`;
}

/** What selects a Predictor's pods: its name and uid, never only labels a tenant's pods could share by accident. */
export function podSelector(predictor: Readonly<Predictor>): Record<string, string> {
  return { [predictorLabels.predictor]: predictor.metadata.name, [predictorLabels.predictorUid]: predictor.metadata.uid ?? '' };
}

/** Every label of a Predictor's children. */
export function childLabels(predictor: Readonly<Predictor>): Record<string, string> {
  return {
    [labels.name]: 'tessera',
    [labels.managedBy]: managedByValue,
    [labels.component]: predictorComponent,
    ...podSelector(predictor),
  };
}

/** The Predictor a child or pod names in its labels, as a `namespace/name` key. */
export function predictorKeyOf(child: Readonly<{ metadata?: { namespace?: string; labels?: Record<string, string> } }>): string[] {
  const name = child.metadata?.labels?.[predictorLabels.predictor];
  return name ? [`${child.metadata?.namespace ?? ''}/${name}`] : [];
}
