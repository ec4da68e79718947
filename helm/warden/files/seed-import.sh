#!/bin/sh
# Imports a file in the standalone warden.yaml format (servers, grants, policies) into policy-service through
# POST /api/import with the bootstrap admin key, once policy-service is ready. POSIX sh and curl only.
#
# The one copy: docker-compose.yml mounts this file, the Helm chart reads it with .Files.Get, and
# deploy/k8s/70-seed-job.yaml holds a copy that deploy/validate/validate.mjs requires to be identical.
#
# Environment:
#   WARDEN_SEED_POLICY_URL             policy-service's base URL, e.g. http://warden-policy-service:8082 (required)
#   WARDEN_POLICY_BOOTSTRAP_ADMIN_KEY  an admin API key (required); reaches curl on stdin, never in its arguments
#   WARDEN_SEED_FILE                   the file to import (default /seed/warden.yaml)
#   WARDEN_SEED_MODE                   create (default): if any id of the file is in the store already, nothing is
#                                      written and the seed counts as done, so operators' changes are kept;
#                                      replace: the file's servers, grants and policies overwrite those ids
#   WARDEN_SEED_READY_ATTEMPTS         readiness checks, about 2 s apart, before giving up (default 150)
#
# Exit codes: 0 imported, or (create) ids already there; 1 policy-service refused the import; 2 a setting is missing
# or wrong; 3 policy-service was not ready in time or did not answer the import.
set -eu

say() { echo "seed: $*"; }
fail() { code=$1; shift; echo "seed: $*" >&2; exit "$code"; }

url=${WARDEN_SEED_POLICY_URL:-}
key=${WARDEN_POLICY_BOOTSTRAP_ADMIN_KEY:-}
file=${WARDEN_SEED_FILE:-/seed/warden.yaml}
mode=${WARDEN_SEED_MODE:-create}
attempts=${WARDEN_SEED_READY_ATTEMPTS:-150}

[ -n "$url" ] || fail 2 "WARDEN_SEED_POLICY_URL is not set (policy-service's base URL)"
[ -n "$key" ] || fail 2 "WARDEN_POLICY_BOOTSTRAP_ADMIN_KEY is not set (an admin API key of policy-service)"
[ -r "$file" ] || fail 2 "cannot read $file (set WARDEN_SEED_FILE or mount the file there)"
case "$mode" in
  create | replace) ;;
  *) fail 2 "WARDEN_SEED_MODE must be create or replace, got '$mode'" ;;
esac
case "$attempts" in
  '' | *[!0-9]*) fail 2 "WARDEN_SEED_READY_ATTEMPTS must be a whole number, got '$attempts'" ;;
esac
url=${url%/}

say "waiting for $url/q/health/ready"
# --retry-all-errors: a refused connection and a 503 while policy-service starts are both worth another try.
curl -fsS --connect-timeout 5 --max-time 10 --retry "$attempts" --retry-delay 2 --retry-all-errors \
  -o /dev/null "$url/q/health/ready" \
  || fail 3 "policy-service at $url was not ready after $attempts retries"

say "importing $file (mode=$mode)"
# The answer is the body, a newline, then the status code. The body (the import result, or a problem document listing
# ids and JSON pointers, never secrets) goes to the log. Not curl -o /dev/stderr: that cannot be opened when stderr is
# a socket.
answer=$(printf 'Authorization: Bearer %s\n' "$key" | curl -sS --connect-timeout 5 --max-time 120 \
  -w '\n%{http_code}' -H @- -H 'Content-Type: application/yaml' --data-binary "@$file" \
  "$url/api/import?mode=$mode") \
  || fail 3 "no answer from $url/api/import"
nl='
'
code=${answer##*"$nl"}
printf '%s\n' "${answer%"$nl"*}" >&2

case "$code" in
  2??) say "imported $file (mode=$mode)" ;;
  409)
    if [ "$mode" = create ]; then
      say "ids of $file are in the store already: nothing written, the store left as it is (mode=create)"
    else
      fail 1 "import refused, HTTP 409: a conflict replace cannot resolve (a revoked grant's id, or a token" \
        "another grant holds); see the problem document above"
    fi
    ;;
  401 | 403) fail 1 "the admin key was refused (HTTP $code): check WARDEN_POLICY_BOOTSTRAP_ADMIN_KEY" ;;
  *) fail 1 "import failed, HTTP $code; see the problem document above" ;;
esac
