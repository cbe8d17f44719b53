#!/bin/bash
# EC2 user data for an instance whose workload the Spot Optimizer agent protects. At first boot it installs Node
# (unless the image already has Node 20.19+ or 22.12+), installs the release built by `npm run package`, writes
# the agent's settings and token to /etc/spot-optimizer/agent.env (mode 0600) and enables and starts
# spot-optimizer-agent.service. Set the values below (or let your launch template tooling fill them in).
# The instance role needs deploy/iam/agent-policy.json; the launch template must tag instances
# ManagedBy=SpotOptimizer (the policy lets the agent image and terminate only those).
set -euo pipefail

# ---- settings --------------------------------------------------------------------------------------------------
# The control plane's gRPC address (host:port).
SPOT_SERVER="${SPOT_SERVER:-}"
# The client token, or the name of an SSM SecureString parameter that holds it (the role then also needs
# ssm:GetParameter on it, and kms:Decrypt on its key). User data can be read from the instance's metadata by any
# local process; the parameter keeps the token out of it.
SPOT_TOKEN="${SPOT_TOKEN:-}"
SPOT_TOKEN_SSM_PARAMETER="${SPOT_TOKEN_SSM_PARAMETER:-}"
# "true": TLS with the system's roots (the control plane serves TLS with --tls-cert/--tls-key).
SPOT_TLS="${SPOT_TLS:-true}"
# Optional: a logical agent id kept across instances (default: the instance id).
SPOT_AGENT_ID="${SPOT_AGENT_ID:-}"
# The release tarball (npm run package): an https:// or s3:// URL, and its SHA-256.
SPOT_RELEASE_URL="${SPOT_RELEASE_URL:-}"
SPOT_RELEASE_SHA256="${SPOT_RELEASE_SHA256:-}"
# Node, when the image has none that fits; checked against the release's SHASUMS256.txt.
NODE_VERSION="${NODE_VERSION:-20.20.2}"
NODE_DIST_URL="${NODE_DIST_URL:-https://nodejs.org/dist}"
# Where to install: / on an instance; a scratch directory in the project's tests.
INSTALL_ROOT="${INSTALL_ROOT:-/}"
# ----------------------------------------------------------------------------------------------------------------

log() { echo "spot-optimizer user data: $*" >&2; }
die() {
  log "$*"
  exit 1
}

ROOT="${INSTALL_ROOT%/}"
APP="$ROOT/opt/spot-optimizer"
ETC="$ROOT/etc/spot-optimizer"
UNIT_DIR="$ROOT/etc/systemd/system"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

[ -n "$SPOT_SERVER" ] || die "set SPOT_SERVER to the control plane's gRPC address (host:port)"
HOST_PORT='^[][A-Za-z0-9.:_-]+:[0-9]+$'
[[ "$SPOT_SERVER" =~ $HOST_PORT ]] || die "SPOT_SERVER must be host:port, got '$SPOT_SERVER'"
[ -n "$SPOT_TOKEN" ] || [ -n "$SPOT_TOKEN_SSM_PARAMETER" ] || die "set SPOT_TOKEN or SPOT_TOKEN_SSM_PARAMETER"
[ -n "$SPOT_RELEASE_URL" ] || die "set SPOT_RELEASE_URL to the release tarball (npm run package)"

case "$(uname -m)" in
  x86_64) ARCH=x64 ;;
  aarch64) ARCH=arm64 ;;
  *) die "unsupported machine $(uname -m)" ;;
esac

fetch() { # URL FILE
  case "$1" in
    s3://*) aws s3 cp --only-show-errors "$1" "$2" ;;
    *) curl --fail --silent --show-error --location --retry 5 --output "$2" "$1" ;;
  esac
}

# Node 20.19+ or 22.12+ (what package.json's engines accept).
node_fits() {
  local version major minor
  version="$("$1" --version 2>/dev/null)" || return 1
  version="${version#v}"
  major="${version%%.*}"
  minor="${version#*.}"
  minor="${minor%%.*}"
  { [ "$major" -eq 20 ] && [ "$minor" -ge 19 ]; } || { [ "$major" -eq 22 ] && [ "$minor" -ge 12 ]; } || [ "$major" -gt 22 ]
}

install_node() {
  mkdir -p "$APP/node/bin"
  local system_node
  system_node="$(command -v node || true)"
  if [ -n "$system_node" ] && node_fits "$system_node"; then
    log "using the image's Node $("$system_node" --version) ($system_node)"
    ln -sfn "$system_node" "$APP/node/bin/node"
    return
  fi
  local name="node-v$NODE_VERSION-linux-$ARCH"
  log "installing Node $NODE_VERSION from $NODE_DIST_URL"
  fetch "$NODE_DIST_URL/v$NODE_VERSION/$name.tar.gz" "$WORK/$name.tar.gz"
  fetch "$NODE_DIST_URL/v$NODE_VERSION/SHASUMS256.txt" "$WORK/SHASUMS256.txt"
  (cd "$WORK" && grep " $name.tar.gz\$" SHASUMS256.txt | sha256sum --check --status) ||
    die "Node $NODE_VERSION: checksum mismatch"
  rm -rf "$APP/node"
  mkdir -p "$APP/node"
  tar -xzf "$WORK/$name.tar.gz" -C "$APP/node" --strip-components=1
  node_fits "$APP/node/bin/node" || die "the installed Node does not run"
}

install_release() {
  log "installing the release from $SPOT_RELEASE_URL"
  fetch "$SPOT_RELEASE_URL" "$WORK/release.tar.gz"
  if [ -n "$SPOT_RELEASE_SHA256" ]; then
    echo "$SPOT_RELEASE_SHA256  $WORK/release.tar.gz" | sha256sum --check --status ||
      die "the release does not match SPOT_RELEASE_SHA256"
  fi
  mkdir -p "$APP"
  # A re-run replaces the code and keeps Node.
  find "$APP" -mindepth 1 -maxdepth 1 ! -name node -exec rm -rf {} +
  tar -xzf "$WORK/release.tar.gz" -C "$APP" --strip-components=1 --no-same-owner
  [ -f "$APP/dist/src/cli.js" ] || die "the release has no dist/src/cli.js (build it with npm run package)"
}

read_token() {
  if [ -n "$SPOT_TOKEN" ]; then
    printf '%s' "$SPOT_TOKEN"
  else
    aws ssm get-parameter --name "$SPOT_TOKEN_SSM_PARAMETER" --with-decryption \
      --query Parameter.Value --output text
  fi
}

write_environment() {
  local token
  token="$(read_token)" || die "could not read the token from SSM parameter $SPOT_TOKEN_SSM_PARAMETER"
  [[ "$token" =~ ^[A-Za-z0-9_.-]{16,}$ ]] || die "the token does not look like a client token"
  mkdir -p "$ETC"
  chmod 0755 "$ETC"
  (
    umask 077
    {
      echo "# Written by the instance's user data (deploy/ec2-user-data.sh); read by spot-optimizer-agent.service."
      echo "SPOT_SERVER=$SPOT_SERVER"
      echo "SPOT_TOKEN=$token"
      echo "SPOT_TLS=$SPOT_TLS"
      if [ -n "$SPOT_AGENT_ID" ]; then echo "SPOT_AGENT_ID=$SPOT_AGENT_ID"; fi
    } >"$ETC/agent.env.new"
  )
  chmod 0600 "$ETC/agent.env.new"
  mv "$ETC/agent.env.new" "$ETC/agent.env"
}

write_unit() {
  mkdir -p "$UNIT_DIR"
  cat >"$UNIT_DIR/spot-optimizer-agent.service" <<'UNIT'
# The Spot Optimizer agent on an EC2 instance, as deploy/ec2-user-data.sh installs it: the release in
# /opt/spot-optimizer, Node in /opt/spot-optimizer/node, the settings and token in /etc/spot-optimizer/agent.env
# (mode 0600, read by systemd before it drops privileges).
[Unit]
Description=Spot Optimizer agent
Documentation=file:/opt/spot-optimizer/README.md
After=network-online.target
Wants=network-online.target
# Always restart, however often: an agent that gives up leaves its workload unprotected.
StartLimitIntervalSec=0

[Service]
Type=simple
# Node itself, not npm: SIGTERM reaches the agent, which finishes its report and closes its stream.
ExecStart=/opt/spot-optimizer/node/bin/node /opt/spot-optimizer/dist/src/cli.js agent
WorkingDirectory=/opt/spot-optimizer
Environment=NODE_ENV=production SPOT_AGENT_STATE=/var/lib/spot-optimizer-agent/state.json
EnvironmentFile=/etc/spot-optimizer/agent.env
KillSignal=SIGTERM
TimeoutStopSec=30
Restart=always
RestartSec=5

# A user of its own, made by systemd; the executed command ids live in /var/lib/spot-optimizer-agent. EC2
# credentials come from the instance role, through the metadata service.
DynamicUser=yes
User=spot-optimizer-agent
StateDirectory=spot-optimizer-agent
StateDirectoryMode=0700
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
ProtectProc=invisible
CapabilityBoundingSet=
# Not MemoryDenyWriteExecute: V8 compiles JavaScript into executable memory.

[Install]
WantedBy=multi-user.target
UNIT
  chmod 0644 "$UNIT_DIR/spot-optimizer-agent.service"
}

enable_unit() {
  if [ "$ROOT" = "" ]; then
    systemctl daemon-reload
    systemctl enable --now spot-optimizer-agent.service
  else
    # Not the running system: only the enablement (the wants link), as the first boot of that root would see it.
    systemctl --root="$ROOT" --quiet enable spot-optimizer-agent.service
  fi
}

install_node
install_release
write_environment
write_unit
enable_unit
log "spot-optimizer-agent installed and enabled (server $SPOT_SERVER)"
