#!/usr/bin/env bash
# The tools the deployment's tests render and validate with, pinned and cached under ~/.cache:
# kustomize (through the Go module proxy, `go install`) and kubernetes-validate (PyPI, in a venv), which
# carries the Kubernetes OpenAPI schemas. Prints `kustomize <path>` and `kubernetes-validate <path>`.
# Needs Go and Python's venv (tools/stack/install-system.sh installs both).
set -euo pipefail
kustomize_version="v5.5.0"
validate_version="1.32.0"
cache="${OXAGRY_DEPLOY_TOOLS:-$HOME/.cache/oxagry-deploy}"
kustomize="$cache/kustomize-$kustomize_version/kustomize"
if [ ! -x "$kustomize" ]; then
  GOBIN="$cache/kustomize-$kustomize_version" go install "sigs.k8s.io/kustomize/kustomize/v5@$kustomize_version" >&2
fi
venv="$cache/venv-kv-$validate_version"
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$validate_version" >&2
fi
echo "kustomize $kustomize"
echo "kubernetes-validate $venv/bin/kubernetes-validate"
