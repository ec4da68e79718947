{{/* Release-scoped name of one component, e.g. "warden-gateway". */}}
{{- define "warden.name" -}}
{{- printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "warden.selectorLabels" -}}
app.kubernetes.io/name: warden
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "warden.labels" -}}
{{ include "warden.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "warden.image" -}}
{{- $repo := .image.repository -}}
{{- if .root.Values.imageRegistry }}{{ $repo = printf "%s/%s" .root.Values.imageRegistry $repo }}{{ end -}}
{{- printf "%s:%s" $repo (.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{- define "warden.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" .Release.Name) -}}
{{- end -}}

{{- define "warden.redisUrl" -}}
{{- if .Values.redis.bundled -}}
{{- printf "redis://%s-redis:6379" .Release.Name -}}
{{- else -}}
{{- required "redis.external.url is required when redis.bundled is false" .Values.redis.external.url -}}
{{- end -}}
{{- end -}}

{{/* One env var from the release's Secret. */}}
{{- define "warden.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef: {name: {{ include "warden.secretName" .root }}, key: {{ .key }}}
{{- end -}}

{{/*
One Warden service: Deployment and Service. Arguments: root, component, values (the component's block), env (a list
of env vars as YAML text), volumes and mounts (YAML text, optional), replicas (omit when an HPA owns them).
*/}}
{{- define "warden.service" -}}
{{- $ctx := dict "root" .root "component" .component -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "warden.name" $ctx }}
  labels:
    {{- include "warden.labels" $ctx | nindent 4 }}
spec:
  {{- if not .hpa }}
  replicas: {{ .values.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "warden.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "warden.labels" $ctx | nindent 8 }}
      annotations:
        checksum/secret: {{ include (print .root.Template.BasePath "/secret.yaml") .root | sha256sum }}
    spec:
      {{- with .root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml .root.Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .component }}
          image: {{ include "warden.image" (dict "root" .root "image" .values.image) }}
          imagePullPolicy: {{ .root.Values.imagePullPolicy }}
          ports:
            - {name: http, containerPort: {{ .values.port }}, protocol: TCP}
          env:
            - {name: QUARKUS_HTTP_HOST, value: "0.0.0.0"}
            - {name: QUARKUS_HTTP_PORT, value: {{ .values.port | quote }}}
            {{- .env | nindent 12 }}
            {{- with .values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet: {path: /q/health/started, port: http}
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet: {path: /q/health/live, port: http}
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet: {path: /q/health/ready, port: http}
            periodSeconds: 5
            failureThreshold: 2
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          securityContext:
            {{- toYaml .root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
            - {name: data, mountPath: /data}
            {{- with .mounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        - {name: tmp, emptyDir: {}}
        - {name: data, emptyDir: {}}
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "warden.name" $ctx }}
  labels:
    {{- include "warden.labels" $ctx | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "warden.selectorLabels" $ctx | nindent 4 }}
  ports:
    - {name: http, port: {{ .values.port }}, targetPort: http, protocol: TCP}
{{- end -}}

{{/* A secret value: given in values, else the one already installed, else the generated one. */}}
{{- define "warden.secretValue" -}}
{{- if .given }}{{ .given }}{{ else if hasKey .old .key }}{{ get .old .key | b64dec }}{{ else }}{{ .generated }}{{ end -}}
{{- end -}}
