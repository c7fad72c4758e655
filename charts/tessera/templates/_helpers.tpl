{{/* Helpers of the tessera chart. Values are checked by values.schema.json before these run. */}}

{{/* The chart name, or nameOverride. */}}
{{- define "tessera.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's object names: fullnameOverride, the release name when it holds the chart name, else release-chart. */}}
{{- define "tessera.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels that say which release and chart an object came from. */}}
{{- define "tessera.releaseLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The operator pod's selector (never changes across upgrades). */}}
{{- define "tessera.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tessera.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/* Every object's labels. */}}
{{- define "tessera.labels" -}}
{{ include "tessera.releaseLabels" . }}
app.kubernetes.io/name: {{ include "tessera.name" . }}
app.kubernetes.io/part-of: tessera
{{- end }}

{{- define "tessera.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tessera.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tessera.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "tessera.transferServiceName" -}}
{{ include "tessera.fullname" . }}-transfer
{{- end }}

{{/* An address in a URL: IPv6 in brackets. */}}
{{- define "tessera.urlHost" -}}
{{- if contains ":" . }}[{{ . }}]{{ else }}{{ . }}{{ end }}
{{- end }}

{{/*
The transfer API as runs' pods reach it: transfer.url, else the Service's pinned ClusterIP (a
cluster without DNS), else the Service's DNS name.
*/}}
{{- define "tessera.transferUrl" -}}
{{- $svc := .Values.transfer.service }}
{{- if .Values.transfer.url }}
{{- .Values.transfer.url }}
{{- else if $svc.clusterIP }}
{{- printf "http://%s:%d" (include "tessera.urlHost" $svc.clusterIP) (int $svc.port) }}
{{- else }}
{{- printf "http://%s.%s.svc.%s:%d" (include "tessera.transferServiceName" .) .Release.Namespace .Values.clusterDomain (int $svc.port) }}
{{- end }}
{{- end }}

{{/* The Secret with the object store's keys: existingSecret, else the chart's own. */}}
{{- define "tessera.resultSigningSecret" -}}
{{- default (printf "%s-result-signing" (include "tessera.fullname" .)) .Values.resultSigning.existingSecret }}
{{- end }}

{{- define "tessera.objectStoreSecret" -}}
{{- default (printf "%s-object-store" (include "tessera.fullname" .)) .Values.objectStore.existingSecret }}
{{- end }}

{{/* Settings no schema can check, because they relate two values. */}}
{{- define "tessera.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount > 1 needs leaderElection.enabled: without a Lease every replica would reconcile" }}
{{- end }}
{{- $store := .Values.objectStore }}
{{- if and $store.endpoint (not $store.existingSecret) (ne (empty $store.accessKey) (empty $store.secretKey)) }}
{{- fail "objectStore needs both accessKey and secretKey, or neither (the AWS SDK's default credential chain: IRSA, EKS Pod Identity, instance roles), or existingSecret" }}
{{- end }}
{{- end }}

{{/* Whether the operator is given static store keys (else it uses the AWS SDK's default credential chain). */}}
{{- define "tessera.objectStoreKeys" -}}
{{- $store := .Values.objectStore }}
{{- if and $store.endpoint (or $store.existingSecret $store.accessKey) }}true{{ end }}
{{- end }}

{{/* The ConfigMap holding objectStore.caBundle. */}}
{{- define "tessera.objectStoreCa" -}}
{{- printf "%s-object-store-ca" (include "tessera.fullname" .) }}
{{- end }}

{{/* Whether the workstation API is served: it moves file sets, so it needs the object store. */}}
{{- define "tessera.workstationApi" -}}
{{- if and .Values.workstationApi.enabled .Values.objectStore.endpoint }}true{{ end }}
{{- end }}

{{/* The TLS Secret of the workstation API: existingSecret, else the chart's own. */}}
{{- define "tessera.apiCertSecret" -}}
{{- default (printf "%s-api-cert" (include "tessera.fullname" .)) .Values.workstationApi.certificate.existingSecret }}
{{- end }}
