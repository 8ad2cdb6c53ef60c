{{- define "salvage.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "salvage.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "salvage.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "salvage.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "salvage.selectorLabels" -}}
app.kubernetes.io/name: {{ include "salvage.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "salvage.labels" -}}
{{ include "salvage.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "salvage.secretName" -}}
{{- default (include "salvage.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* The Salvage container; under initContainers with restartPolicy: Always when nativeSidecar. */}}
{{- define "salvage.container" -}}
- name: salvage
  image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  {{- if .Values.nativeSidecar }}
  restartPolicy: Always
  {{- end }}
  args: ["serve", "--config", "/etc/salvage/salvage.toml"]
  ports:
    - name: salvage-admin
      containerPort: {{ .Values.adminPort }}
      protocol: TCP
  env:
    - name: SALVAGE__REDIS__URL
      valueFrom:
        secretKeyRef:
          name: {{ include "salvage.secretName" . }}
          key: SALVAGE__REDIS__URL
    - name: SALVAGE__PARKING_LOT__TOKENS
      valueFrom:
        secretKeyRef:
          name: {{ include "salvage.secretName" . }}
          key: SALVAGE__PARKING_LOT__TOKENS
          optional: true
  startupProbe:
    httpGet:
      path: /healthz
      port: salvage-admin
    {{- toYaml .Values.probes.startup | nindent 4 }}
  livenessProbe:
    httpGet:
      path: /healthz
      port: salvage-admin
    {{- toYaml .Values.probes.liveness | nindent 4 }}
  readinessProbe:
    httpGet:
      path: /readyz
      port: salvage-admin
    {{- toYaml .Values.probes.readiness | nindent 4 }}
  resources:
    {{- toYaml .Values.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  volumeMounts:
    - name: salvage-config
      mountPath: /etc/salvage
      readOnly: true
{{- end -}}
