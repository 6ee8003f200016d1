{{/* Chart name, overridable. */}}
{{- define "rotor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects. The release name alone when it already contains the
chart name (helm install rotor charts/rotor -> "rotor", not "rotor-rotor").
*/}}
{{- define "rotor.fullname" -}}
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

{{- define "rotor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rotor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rotor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "rotor.labels" -}}
helm.sh/chart: {{ include "rotor.chart" . }}
{{ include "rotor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: controller
app.kubernetes.io/part-of: rotor
{{- end }}

{{- define "rotor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rotor.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "rotor.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}

{{/* Fails the render on combinations that would misbehave at runtime. */}}
{{- define "rotor.validateValues" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount > 1 needs leaderElection.enabled=true: without it every replica reconciles and they fight over the same Secrets" }}
{{- end }}
{{- if not (has .Values.logLevel (list "trace" "debug" "info" "warn" "error" "fatal")) }}
{{- fail (printf "logLevel must be one of trace, debug, info, warn, error, fatal (got %q)" (toString .Values.logLevel)) }}
{{- end }}
{{- if lt (int .Values.concurrency) 1 }}
{{- fail "concurrency must be at least 1" }}
{{- end }}
{{- $irsa := .Values.rbac.perStoreIRSA }}
{{- /* mode and the entries' fields are checked by values.schema.json */}}
{{- if and (eq $irsa.mode "scoped") (empty $irsa.serviceAccounts) }}
{{- fail "rbac.perStoreIRSA.mode=scoped needs rbac.perStoreIRSA.serviceAccounts: the {namespace, name} of each ServiceAccount stores may use" }}
{{- end }}
{{- end }}

{{/* rbac.perStoreIRSA.serviceAccounts as YAML: namespace -> sorted list of names. */}}
{{- define "rotor.irsaServiceAccountsByNamespace" -}}
{{- $byNamespace := dict }}
{{- range .Values.rbac.perStoreIRSA.serviceAccounts }}
{{- $_ := set $byNamespace .namespace (append (get $byNamespace .namespace | default list) .name | uniq | sortAlpha) }}
{{- end }}
{{- toYaml $byNamespace }}
{{- end }}

{{/*
Whether to render a Prometheus Operator object (ESO's renderMode convention). Called with
(dict "mode" .Values.serviceMonitor.renderMode "kind" "ServiceMonitor" "root" $); prints "true" or "".
skipIfMissing: only where the cluster serves monitoring.coreos.com/v1 <kind> (helm install/upgrade
ask the API server; helm template needs --api-versions monitoring.coreos.com/v1/<kind>).
*/}}
{{- define "rotor.renderMonitoring" -}}
{{- $served := .root.Capabilities.APIVersions.Has (printf "monitoring.coreos.com/v1/%s" .kind) }}
{{- if eq .mode "alwaysRender" }}true
{{- else if eq .mode "failIfMissing" }}
{{- if not $served }}
{{- fail (printf "%s: the cluster does not serve monitoring.coreos.com/v1 %s (install the Prometheus Operator CRDs), or set renderMode to skipIfMissing or alwaysRender" .kind .kind) }}
{{- end }}true
{{- else if $served }}true
{{- end }}
{{- end }}
