#!/usr/bin/env bash
# Prints a dev token from the embedded run (POST /api/dev/tokens), for use as
#   TOKEN=$(scripts/dev-token.sh alice)
# Usage: scripts/dev-token.sh USER_ID [ROLES]   ROLES is comma-separated: user (default), admin, user,admin
# The service is ${PICFLOW_URL:-http://127.0.0.1:8080}.
set -euo pipefail

user_id=${1:?usage: $0 USER_ID [ROLES, comma-separated, default user]}
roles=${2:-user}
url=${PICFLOW_URL:-http://127.0.0.1:8080}

# The same character rules as the endpoint; checked here so that the JSON below stays well-formed.
if [[ ! $user_id =~ ^[A-Za-z0-9._@-]{1,64}$ ]]; then
  echo "dev-token: USER_ID must be 1 to 64 of A-Z a-z 0-9 . _ @ -" >&2
  exit 2
fi
if [[ ! $roles =~ ^[a-z]+(,[a-z]+)*$ ]]; then
  echo "dev-token: ROLES must be a comma-separated list such as user or user,admin" >&2
  exit 2
fi
roles_json="\"${roles//,/\",\"}\""

response=$(curl -sS -X POST "$url/api/dev/tokens" -H 'Content-Type: application/json' \
  -d "{\"userId\":\"$user_id\",\"roles\":[$roles_json]}" -w '\n%{http_code}')
status=${response##*$'\n'}
body=${response%$'\n'*}
if [[ $status != 200 ]]; then
  echo "dev-token: POST $url/api/dev/tokens answered $status: $body" >&2
  if [[ $status == 404 ]]; then
    echo "dev-token: dev tokens exist only in the embedded run (standalone jar without PICFLOW_DB_URL and" \
      "without PICFLOW_JWT_SECRET)" >&2
  fi
  exit 1
fi

if command -v python3 >/dev/null 2>&1; then
  printf '%s' "$body" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
else
  printf '%s\n' "$body" | sed -n 's/.*"token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p'
fi
