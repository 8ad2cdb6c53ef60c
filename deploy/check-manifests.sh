#!/usr/bin/env bash
# Validate deploy/kubernetes and the Helm chart offline, against Kubernetes' API schemas.
#
#   bash deploy/check-manifests.sh
#
# Needs kubernetes-validate (`pip install kubernetes-validate`); without it: SKIP, exit 0.
# Also, when present:
#   kubectl                      renders deploy/kubernetes with kustomize, validates the result
#   helm, or the Python module   renders and lints deploy/helm/salvage (values: ci/test-values.yaml,
#     helm_python (PyPI            and with nativeSidecar=false and an existing Secret), validates
#     helm-python-sdk)           what it renders
#   SERVICEMONITOR_CRD=FILE      the Prometheus Operator's ServiceMonitor CRD
#                                (monitoring.coreos.com_servicemonitors.yaml): the ServiceMonitors
#                                are checked against its schema (with python3's jsonschema)
#   SALVAGE_BIN=FILE             a salvage binary: `salvage check` on the ConfigMaps' salvage.toml
#                                and rules.toml, deploy/kubernetes's and the chart's as rendered
#                                (the configuration parses, the rules' tests pass)
# Exits non-zero on the first failure, naming it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
k8s="$here/kubernetes"
chart="$here/helm/salvage"
# The oldest Kubernetes with native sidecars (restartPolicy on an init container) by default,
# and the newest the validator knows.
versions=${K8S_VERSIONS:-"1.29.0 latest"}

fail() { echo "FAIL: $*" >&2; exit 1; }
if ! command -v kubernetes-validate >/dev/null; then
    echo "SKIP: kubernetes-validate is missing (pip install kubernetes-validate)"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

validate() { # FILE...: every object against each version, unknown fields refused
    local v args
    for v in $versions; do
        args=(--strict --quiet)
        [ "$v" = latest ] || args+=(-k "$v")
        kubernetes-validate "${args[@]}" "$@" || fail "kubernetes-validate ${args[*]} $*"
    done
}

echo "== deploy/kubernetes: kubernetes-validate --strict ($versions)"
validate "$k8s/configmap.yaml" "$k8s/secret.yaml" "$k8s/deployment.yaml" "$k8s/service.yaml"
echo "ok"

if command -v kubectl >/dev/null; then
    echo "== deploy/kubernetes: kubectl kustomize, then validate what it renders"
    kubectl kustomize "$k8s" >"$work/kustomized.yaml" || fail "kubectl kustomize $k8s"
    validate "$work/kustomized.yaml"
    echo "ok ($(grep -c '^kind:' "$work/kustomized.yaml") objects)"
else
    echo "SKIP: kubectl is missing: kustomization.yaml not rendered"
fi

render_chart() { # OUT SET...: render the chart with ci/test-values.yaml and `key=value` overrides
    local out=$1; shift
    if command -v helm >/dev/null; then
        local sets=()
        for s in "$@"; do sets+=(--set "$s"); done
        helm lint --strict "$chart" -f "$chart/ci/test-values.yaml" "${sets[@]}" >/dev/null || fail "helm lint"
        helm template orders "$chart" -f "$chart/ci/test-values.yaml" "${sets[@]}" >"$out"
    else
        python3 - "$chart" "$out" "$@" <<'PY'
import sys, yaml, helm_python as helm
chart_dir, out, sets = sys.argv[1], sys.argv[2], sys.argv[3:]
values = yaml.safe_load(open(f"{chart_dir}/ci/test-values.yaml"))
for s in sets:
    key, value = s.split("=", 1)
    node = values
    *parents, last = key.split(".")
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = yaml.safe_load(value)
lint = helm.lint(chart_dir, values=values, strict=True)
if lint["errors"]:
    sys.exit(f"helm lint: {lint}")
with helm.Chart.load(chart_dir) as chart:
    rendered = chart.render(values, name="orders", namespace="orders")
with open(out, "w") as f:
    for name, text in sorted(rendered.items()):
        if name.endswith(".yaml") and text.strip():
            f.write(f"---\n# Source: {name}\n{text}\n")
PY
    fi
}

if command -v helm >/dev/null || python3 -c 'import helm_python' 2>/dev/null; then
    if command -v helm >/dev/null; then
        tool="helm $(helm version --short)"
    else
        tool=$(python3 -c 'import helm_python as h; print("helm-python-sdk (Helm SDK", h.helm_sdk_version() + ")")')
    fi
    n=0
    for variant in "" "nativeSidecar=false secrets.existingSecret=orders-salvage-secrets"; do
        n=$((n + 1))
        echo "== deploy/helm/salvage with $tool: lint, render${variant:+ ($variant)}, validate"
        # shellcheck disable=SC2086
        render_chart "$work/chart.yaml" $variant || fail "rendering the chart${variant:+ with $variant}"
        # ServiceMonitor is a custom resource: kubernetes-validate has no schema for it.
        python3 - "$work/chart.yaml" "$work/chart-core.yaml" "$work/chart-smon.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
core = [d for d in docs if d["kind"] != "ServiceMonitor"]
smon = [d for d in docs if d["kind"] == "ServiceMonitor"]
yaml.safe_dump_all(core, open(sys.argv[2], "w"))
yaml.safe_dump_all(smon, open(sys.argv[3], "w"))
print("rendered:", ", ".join(f'{d["kind"]}/{d["metadata"]["name"]}' for d in docs))
PY
        validate "$work/chart-core.yaml"
        mv "$work/chart-smon.yaml" "$work/chart-smon-$n.yaml"
        cp "$work/chart-core.yaml" "$work/chart-core-$n.yaml"
        echo "ok"
    done
else
    echo "SKIP: neither helm nor helm_python (pip install helm-python-sdk): the chart is not rendered"
fi

if [ -n "${SERVICEMONITOR_CRD:-}" ]; then
    echo "== ServiceMonitors against $SERVICEMONITOR_CRD"
    python3 - "$SERVICEMONITOR_CRD" "$k8s/servicemonitor.yaml" "$work"/chart-smon*.yaml <<'PY' || fail "ServiceMonitor schema"
import sys, yaml, jsonschema
crd = yaml.safe_load(open(sys.argv[1]))
schema = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")["schema"]["openAPIV3Schema"]
def strict(s):  # unknown fields are errors, as in the API server's strict field validation
    if isinstance(s, dict):
        if s.get("type") == "object" and "properties" in s and "additionalProperties" not in s \
                and not s.get("x-kubernetes-preserve-unknown-fields"):
            s["additionalProperties"] = False
        for v in s.values():
            strict(v)
    elif isinstance(s, list):
        for v in s:
            strict(v)
strict(schema)
version = crd["metadata"].get("annotations", {}).get("operator.prometheus.io/version", "?")
for path in sys.argv[2:]:
    for doc in yaml.safe_load_all(open(path)):
        if doc:
            jsonschema.validate(doc, schema)
            print(f"ok: {path.rsplit('/', 1)[-1]} {doc['metadata']['name']} (operator {version})")
PY
else
    echo "SKIP: SERVICEMONITOR_CRD not set: ServiceMonitors not checked against the CRD's schema"
fi

if [ -n "${SALVAGE_BIN:-}" ]; then
    # The ConfigMap's salvage.toml and rules.toml, written out and checked as Salvage reads them
    # (placeholders stand in for the Secret's overrides).
    salvage_check() { # FILE NAME: the ConfigMap in FILE (its only one), NAME in messages
        echo "== salvage check on $2"
        rm -rf "$work/etc"
        python3 - "$1" "$work/etc" <<'PY' || fail "no ConfigMap in $2"
import os, sys, yaml
cm = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "ConfigMap")
os.makedirs(sys.argv[2], exist_ok=True)
for name, text in cm["data"].items():
    open(os.path.join(sys.argv[2], name), "w").write(text)
PY
        SALVAGE__REDIS__URL=redis://127.0.0.1:1 \
        SALVAGE__PARKING_LOT__TOKENS='[{ name = "ops", role = "operator", token_sha256 = "0000000000000000000000000000000000000000000000000000000000000000" }]' \
            "$SALVAGE_BIN" check --config "$work/etc/salvage.toml" || fail "salvage check on $2"
    }
    salvage_check "$k8s/configmap.yaml" deploy/kubernetes/configmap.yaml
    for rendered in "$work"/chart-core-*.yaml; do
        [ -e "$rendered" ] || continue
        r=${rendered##*-}
        salvage_check "$rendered" "the chart's ConfigMap (render ${r%.yaml})"
    done
else
    echo "SKIP: SALVAGE_BIN not set: the ConfigMaps' salvage.toml and rules.toml not checked"
fi
echo "PASS: manifests"
