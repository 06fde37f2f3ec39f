#!/usr/bin/env bash
# The suite's main job, end to end, on a throw-away local gateway:
#
#     bash examples/quickstart.sh
#
# builds the tools (cargo build), then runs the admin story below through
# `tg-dev-gateway exec`, which starts a gateway on a free loopback port,
# bootstraps it, and runs the story with TRUSTGRAPH_URL and
# TRUSTGRAPH_TOKEN (the first admin's API key) set and the tools first on
# PATH. Your own config and saved sessions are never touched, and the
# gateway is gone when the story ends. Each command is printed ("$ ...")
# before it runs; its output follows. The story checks every exit code, so
# CI runs it too (.ci/run).
set -euo pipefail

if [ "${1:-}" != "--story" ]; then
    cd "$(dirname "$0")/.."
    echo "== cargo build --workspace --bins (the tools and tg-dev-gateway)" >&2
    cargo build --workspace --bins --locked
    echo "== the admin story, against a throw-away gateway" >&2
    # --insecure-fast-hashing: 1,000 PBKDF2 iterations instead of 600,000,
    # so that a debug build logs in quickly. Never for a real deployment.
    exec target/debug/tg-dev-gateway exec --insecure-fast-hashing -- \
        bash examples/quickstart.sh --story
fi

# ---- the story: runs inside `tg-dev-gateway exec` ---------------------

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Print a command, then run it (in this shell, so that its variables stay).
step() {
    printf '\n$ %s\n' "$1"
    eval "$1"
}

# Print a command that must fail with exit code $1, run it, show the code.
refused() {
    local want=$1 code=0
    printf '\n$ %s\n' "$2"
    eval "$2" || code=$?
    printf '(exit code %s)\n' "$code"
    if [ "$code" != "$want" ]; then
        echo "quickstart: expected exit code $want, got $code" >&2
        exit 1
    fi
}

echo "tg-dev-gateway exec bootstrapped the gateway: TRUSTGRAPH_TOKEN holds the"
echo "first admin's API key (tg-bootstrap-iam printed it; nothing else did)."
step 'tg-whoami'

step 'tg-create-workspace --workspace-id research --name "Research"'

# A user. The password goes in on stdin, never as a flag (ps, history).
ALICE_PW='correct-horse-battery-staple'
step 'ALICE=$(printf "%s\n" "$ALICE_PW" | tg-create-user --username alice --name "Alice" -w research --roles writer --password-stdin)'
step 'echo "alice is $ALICE"'

# Alice logs in: the JWT is the one thing on stdout, so it can be captured.
step 'ALICE_JWT=$(printf "%s\n" "$ALICE_PW" | tg-login --username alice -w research --password-stdin)'
step 'TRUSTGRAPH_TOKEN=$ALICE_JWT tg-whoami -o json'

# An API key for her: the key on stdout (captured), its id on stderr.
step 'KEY=$(tg-create-api-key --user-id "$ALICE" --name laptop -w research 2> "$scratch/key.txt")'
step 'cat "$scratch/key.txt"'
step 'KEY_ID=$(sed -n "s/^Key id: //p" "$scratch/key.txt")'
step 'TRUSTGRAPH_TOKEN=$KEY tg-whoami'
step 'tg-list-api-keys --user-id "$ALICE" -w research'

step 'tg-list-users'
step 'tg-list-users -w research -o json'

# Revoke the key; from then on it is refused (exit 3: authentication failed).
step 'tg-revoke-api-key --key-id "$KEY_ID" -w research'
refused 3 'TRUSTGRAPH_TOKEN=$KEY tg-whoami'

# A writer is not an admin (exit 4: permission denied) ...
refused 4 'TRUSTGRAPH_TOKEN=$ALICE_JWT tg-list-users'
# ... and a deployment is bootstrapped once (exit 3).
refused 3 'tg-bootstrap-iam'

echo
echo "Done. Exit codes: man -l man/tg-iam.7, or any tool's --help."
