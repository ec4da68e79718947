#!/usr/bin/env bash
# Runs Warden's gateway in standalone mode (no Redis, Kafka or PostgreSQL) in front of an example
# upstream MCP server (@modelcontextprotocol/server-everything), both on loopback.
#
#   ./run-standalone.sh            gateway on 127.0.0.1:8080, upstream on 127.0.0.1:3101
#   WARDEN_PORT=9090 UPSTREAM_PORT=3200 ./run-standalone.sh
#
# State lives in ./warden-data: the configuration (edit it while running: it is reloaded), the demo
# grant token, and the decision log.
set -euo pipefail
cd "$(dirname "$0")"
PORT=${WARDEN_PORT:-8080}
UPSTREAM_PORT=${UPSTREAM_PORT:-3101}
DATA=warden-data
JAR=gateway-service/target/quarkus-app/quarkus-run.jar

if [ ! -f "$JAR" ]; then
  echo "Building the gateway (first run only)..."
  ./mvnw -B -q -pl gateway-service -am install -DskipTests
fi
if [ ! -d test-support/node/node_modules/@modelcontextprotocol/server-everything ]; then
  echo "Installing the example MCP server (first run only)..."
  (cd test-support/node && npm ci --no-audit --no-fund --loglevel=error)
fi

mkdir -p "$DATA"
if [ ! -f "$DATA/token" ]; then
  java -cp gateway-service/target/classes io.warden.gateway.auth.TokenCommand mint --grant demo > "$DATA/mint.txt"
  sed -n 's/^token: *//p' "$DATA/mint.txt" > "$DATA/token"
  HASH=$(sed -n 's/^hash: *//p' "$DATA/mint.txt")
  rm "$DATA/mint.txt"
  cat > "$DATA/warden.yaml" <<YAML
# Warden standalone configuration (reloaded on change). See README.md.
servers:
  - id: everything
    name: Example server (server-everything)
    url: http://127.0.0.1:${UPSTREAM_PORT}/mcp
grants:
  - id: demo
    label: Demo grant
    server: everything
    token_hash: ${HASH}
    policy: demo
policies:
  demo: { file: ../examples/standalone/demo-policy.json }
YAML
fi

PORT="$UPSTREAM_PORT" node test-support/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js streamableHttp \
  > "$DATA/upstream.log" 2>&1 &
UPSTREAM_PID=$!
trap 'kill $UPSTREAM_PID 2>/dev/null || true' EXIT

cat <<INFO

  Warden gateway:  http://127.0.0.1:${PORT}/mcp/everything   (legacy HTTP+SSE: /mcp/everything/sse)
  Grant token:     $(cat "$DATA/token")
  Configuration:   $DATA/warden.yaml    Decisions: $DATA/decisions.jsonl

  Point an MCP client at the URL with the header  Authorization: Bearer <grant token>
  e.g.  npx @modelcontextprotocol/inspector  (transport "Streamable HTTP", add the header)

INFO

java -Dquarkus.http.port="$PORT" \
  -Dwarden.gateway.standalone.file="$DATA/warden.yaml" \
  -Dwarden.gateway.decision-log.file="$DATA/decisions.jsonl" \
  -jar "$JAR"
