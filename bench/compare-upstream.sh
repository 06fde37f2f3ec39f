#!/usr/bin/env bash
# Drop-in check: run the upstream Python tools and these tools side by side
# against one tg-dev-gateway (in --compat 2.11 mode, like the gateway users
# run today) and compare stdout and exit code for each invocation.
#
#   python3 -m venv /tmp/tgpy && /tmp/tgpy/bin/pip install trustgraph-cli==2.11.1
#   PY_TOOLS=/tmp/tgpy/bin bash bench/compare-upstream.sh
#
# Differences are expected only where docs/compatibility.md says these tools deliberately
# differ (tg-whoami's workspace row, and failures that upstream reports as
# success or with exit 1). Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PY_TOOLS:?set PY_TOOLS to the bin directory of a venv with trustgraph-cli installed}"
cargo build --workspace --quiet
BIN=$PWD/target/debug
WORK=$(mktemp -d)
trap 'kill $GW_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$BIN/tg-dev-gateway" --bootstrap-mode bootstrap --compat 2.11 --listen 127.0.0.1:0 \
    --insecure-fast-hashing 2>"$WORK/gw.err" &
GW_PID=$!
for _ in $(seq 100); do grep -q '^listening on' "$WORK/gw.err" 2>/dev/null && break; sleep 0.05; done
export TRUSTGRAPH_URL=$(sed -n 's/^listening on //p' "$WORK/gw.err")
export TRUSTGRAPH_TOKEN=$("$PY_TOOLS/tg-bootstrap-iam" 2>/dev/null)
same=0 differ=0
compare() {
    local py rs
    py=$("$PY_TOOLS/$1" "${@:2}" 2>/dev/null; echo "exit $?")
    rs=$("$BIN/$1" "${@:2}" 2>/dev/null </dev/null; echo "exit $?")
    if [ "$py" == "$rs" ]; then
        same=$((same + 1)); echo "same    $*"
    else
        differ=$((differ + 1)); echo "differs $*"
        diff <(echo "$py") <(echo "$rs") | sed 's/^/          /' || true
    fi
}
ALICE=$("$PY_TOOLS/tg-create-user" -w default --username alice --password pw-a --roles writer --name Alice 2>/dev/null)
"$PY_TOOLS/tg-create-api-key" --user-id "$ALICE" --name laptop >/dev/null 2>&1
compare tg-whoami
compare tg-list-users
compare tg-list-users -w default
compare tg-list-users -w nope
compare tg-list-workspaces
compare tg-list-my-workspaces
compare tg-list-api-keys --user-id "$ALICE"
compare tg-create-workspace --workspace-id research --name Research
compare tg-update-user --user-id "$ALICE" --email alice@example.com
compare tg-disable-user --user-id "$ALICE"
compare tg-enable-user --user-id "$ALICE"
compare tg-revoke-api-key --key-id 00000000-0000-0000-0000-000000000000
compare tg-list-users -t garbage
compare tg-login --username alice --password wrong
compare tg-create-user --username alice --password x -w default   # taken
compare tg-create-user --username zed --password x                  # no workspace
echo "$same same, $differ differ"
