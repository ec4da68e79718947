// N official TypeScript SDK v1 clients (@modelcontextprotocol/sdk, StreamableHTTPClientTransport), each with its own
// MCP session, calling one tool in a loop through Warden until a stop file appears. Driven by e2e-tests (FaultsIT):
// the Java side kills and stops parts of the system meanwhile and judges what the clients saw.
//
//   node clients/steady-callers.mjs --url <endpoint> --token <grant token> --stop-file <path>
//        [--clients 4] [--tool echo] [--interval-ms 50] [--status-file <path>] [--call-timeout-ms 10000]
//
// A call either gets an answer (a result: "ok" when it echoes back, "denied" when isError; a JSON-RPC error:
// "rpcError") or fails in transport ("failed": connection reset by a killed pod, timeout). Every client keeps its
// session for the whole run; a failed call is not retried, the loop goes on. --status-file is rewritten every
// 200 ms with the running totals; at the end ONE JSON line is printed with per-client counts and session ids.
import { parseArgs } from 'node:util';
import { existsSync, writeFileSync, renameSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

const { values: opt } = parseArgs({
    options: {
        url: { type: 'string' },
        token: { type: 'string' },
        'stop-file': { type: 'string' },
        'status-file': { type: 'string' },
        clients: { type: 'string', default: '4' },
        tool: { type: 'string', default: 'echo' },
        'interval-ms': { type: 'string', default: '50' },
        'call-timeout-ms': { type: 'string', default: '10000' }
    }
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stopped = () => existsSync(opt['stop-file']);
const clients = [];

async function runClient(i) {
    const c = { id: i, ok: 0, denied: 0, rpcError: 0, failed: 0, wrong: 0, sessionAtStart: null, sessionAtEnd: null,
        errors: [], connectError: null };
    clients.push(c);
    const transport = new StreamableHTTPClientTransport(new URL(opt.url), {
        requestInit: { headers: { Authorization: `Bearer ${opt.token}` } }
    });
    const client = new Client({ name: `steady-${i}`, version: '1.0.0' });
    client.onerror = () => {}; // the standalone GET stream reconnects by itself after its pod dies
    try {
        await client.connect(transport);
    } catch (e) {
        c.connectError = String(e?.message ?? e);
        return;
    }
    c.sessionAtStart = transport.sessionId;
    for (let n = 0; !stopped(); n++) {
        const message = `client ${i} call ${n}`;
        try {
            const result = await client.callTool({ name: opt.tool, arguments: { message } }, undefined,
                { timeout: Number(opt['call-timeout-ms']) });
            if (result.isError) {
                c.denied++;
            } else if (JSON.stringify(result.content ?? []).includes(message)) {
                c.ok++;
            } else {
                c.wrong++;
            }
        } catch (e) {
            // The SDK reports its own timeout as an McpError (RequestTimeout): no answer came, so it failed in
            // transport, like a reset, not a JSON-RPC error the gateway or the server sent.
            if (e instanceof McpError && e.code !== ErrorCode.RequestTimeout) {
                c.rpcError++;
            } else {
                c.failed++;
            }
            if (c.errors.length < 5) {
                c.errors.push(String(e?.message ?? e).slice(0, 200));
            }
        }
        await sleep(Number(opt['interval-ms']));
    }
    c.sessionAtEnd = transport.sessionId;
    try {
        await transport.close();
    } catch {
        // going away anyway
    }
}

function writeStatus() {
    if (!opt['status-file']) {
        return;
    }
    const tmp = opt['status-file'] + '.tmp';
    writeFileSync(tmp, JSON.stringify({ clients }));
    renameSync(tmp, opt['status-file']);
}

const ticker = setInterval(writeStatus, 200);
await Promise.all(Array.from({ length: Number(opt.clients) }, (_, i) => runClient(i)));
clearInterval(ticker);
writeStatus();
console.log(JSON.stringify({ steady: true, clients }));
process.exit(0);
