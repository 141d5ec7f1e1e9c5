#!/usr/bin/env bash
# Installs from Debian's packages whatever the local stack needs and the machine lacks:
# a JDK 17+ and Maven (Kafka, Apicurio Registry), Go 1.22+ and git (FerretDB, patched), the PostgreSQL server,
# Chromium for the live map's browser test, Python's venv (schemathesis, tools/schemathesis/run.sh), and
# what npm ci needs to build node-rdkafka (librdkafka with TLS and SASL): a C/C++ toolchain, Python for
# node-gyp, and OpenSSL's and Cyrus SASL's headers; promtool (Debian's prometheus package) for the alert
# rules' unit tests, and Go and Python's venv for the deployment tests' kustomize and kubernetes-validate
# (deploy/scripts/validation-tools.sh).
set -euo pipefail
need=()
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
command -v go >/dev/null || need+=(golang-go)
command -v git >/dev/null || need+=(git) # applies tools/stack/patches/ferretdb before FerretDB's build
command -v setpriv >/dev/null || need+=(util-linux)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium)
command -v promtool >/dev/null || need+=(prometheus)
command -v g++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)
command -v python3 >/dev/null || need+=(python3)
[ -f /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
[ -f /usr/include/sasl/sasl.h ] || need+=(libsasl2-dev)
# Debian's python3 leaves out ensurepip, without which `python3 -m venv` cannot make a venv.
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
# Debian's prometheus package starts a server on 9090; only its promtool is wanted.
if [[ " ${need[*]} " == *" prometheus "* ]]; then
  $SUDO systemctl disable --now prometheus 2>/dev/null || $SUDO service prometheus stop 2>/dev/null || true
fi
# Debian's postgresql package starts a system cluster on 5432; the stack runs its own there.
if [[ " ${need[*]} " == *" postgresql "* ]]; then
  $SUDO systemctl stop postgresql 2>/dev/null || $SUDO service postgresql stop 2>/dev/null || true
fi
