// One official TypeScript MCP client, pointed at Warden, runs a fixed list of checks and prints ONE JSON line.
// Driven by e2e-tests (TypeScriptClientsIT); every check records what the client saw and never throws, so the
// Java side decides what is right. Exit code 0 when the script itself ran to the end.
//
//   node clients/warden-client-check.mjs --client v1-streamable|v1-sse|v2-legacy|v2-modern
//        --url <fixture endpoint through Warden> --token <grant token>
//        [--schema-url <server-everything endpoint through Warden> --schema-token <token> --schema-tool <name>]
//
// Clients: v1 = @modelcontextprotocol/sdk 1.32.2 (StreamableHTTPClientTransport, or SSEClientTransport against
// Warden's deprecated HTTP+SSE endpoint, so --url ends in /sse); v2 = @modelcontextprotocol/client 2.4.0 with
// the initialize handshake (legacy) or pinned to 2026-07-28 (modern).
//
// Checks against --url (the fixture): tools/list, call echo, read test://static-text, call slow_progress with a
// progress token (arrival time of each notification and of the result), call the hidden tool delete_account,
// call the denied tool add. Against --schema-url: list tools (so the client learns the output schema), then call
// the denied --schema-tool, which has an outputSchema; the denial carries no structuredContent.
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
    options: {
        client: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        'schema-url': { type: 'string' },
        'schema-token': { type: 'string' },
        'schema-tool': { type: 'string', default: 'get-structured-content' },
        'progress-steps': { type: 'string', default: '3' },
        'progress-delay-ms': { type: 'string', default: '300' }
    }
});

const report = { client: opt.client, checks: {} };
const t0 = Date.now();
const now = () => Date.now() - t0;

function describeError(e) {
    return { threw: true, name: e?.name ?? null, code: e?.code ?? null, message: String(e?.message ?? e) };
}

function textOf(result) {
    return (result?.content ?? []).filter(c => c.type === 'text').map(c => c.text).join('\n');
}

function summary(result) {
    return {
        threw: false,
        isError: result?.isError === true,
        text: textOf(result),
        hasStructuredContent: result?.structuredContent !== undefined,
        decision: result?._meta?.['io.warden/decision'] ?? null
    };
}

async function check(name, fn) {
    try {
        report.checks[name] = await fn();
    } catch (e) {
        report.checks[name] = describeError(e);
    }
}

// A uniform face over the two SDKs: connect, then list/call/read with the SDK's own methods.
async function open(kind, url, token) {
    const requestInit = { headers: { Authorization: `Bearer ${token}` } };
    const info = { name: `warden-e2e-${kind}`, version: '1.0.0' };
    if (kind.startsWith('v1-')) {
        const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
        const client = new Client(info, { capabilities: {} });
        let transport;
        if (kind === 'v1-sse') {
            const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
            transport = new SSEClientTransport(new URL(url), { requestInit });
        } else {
            const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
            transport = new StreamableHTTPClientTransport(new URL(url), { requestInit });
        }
        await client.connect(transport);
        return {
            client,
            protocolVersion: () => client.getNegotiatedProtocolVersion?.() ?? transport.protocolVersion ?? null,
            call: (params, onprogress) => client.callTool(params, undefined, onprogress ? { onprogress } : undefined)
        };
    }
    const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
    const mode = kind === 'v2-modern' ? { pin: '2026-07-28' } : 'legacy';
    const client = new Client(info, { capabilities: {}, versionNegotiation: { mode } });
    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit });
    await client.connect(transport);
    return {
        client,
        protocolVersion: () => client.getNegotiatedProtocolVersion?.() ?? null,
        call: (params, onprogress) => client.callTool(params, onprogress ? { onprogress } : undefined)
    };
}

async function listAll(client) {
    const names = [];
    let cursor;
    for (let page = 0; page < 100; page++) {
        const r = await client.listTools(cursor ? { cursor } : undefined);
        names.push(...r.tools.map(t => t.name));
        cursor = r.nextCursor;
        if (!cursor) break;
    }
    return names;
}

let fixture;
let schema;
try {
    await check('connect', async () => {
        fixture = await open(opt.client, opt.url, opt.token);
        return { threw: false, protocolVersion: fixture.protocolVersion() };
    });
    if (fixture) {
        await check('listTools', async () => ({ threw: false, tools: await listAll(fixture.client) }));
        await check('echo', async () => summary(await fixture.call({ name: 'echo', arguments: { message: 'through warden' } })));
        await check('readResource', async () => {
            const r = await fixture.client.readResource({ uri: 'test://static-text' });
            return { threw: false, text: r.contents?.[0]?.text ?? null };
        });
        await check('progress', async () => {
            const arrivals = [];
            const start = now();
            const r = await fixture.call({
                name: 'slow_progress',
                arguments: { steps: Number(opt['progress-steps']), delayMs: Number(opt['progress-delay-ms']) }
            }, (p) => arrivals.push({ progress: p.progress, total: p.total ?? null, atMs: now() - start }));
            return { ...summary(r), notifications: arrivals, resultAtMs: now() - start };
        });
        await check('hiddenCall', async () => summary(await fixture.call({ name: 'delete_account', arguments: { account_id: 'a-1' } })));
        await check('deniedCall', async () => summary(await fixture.call({ name: 'add', arguments: { a: 1, b: 2 } })));
    }
    if (opt['schema-url']) {
        await check('schemaConnect', async () => {
            schema = await open(opt.client, opt['schema-url'], opt['schema-token']);
            return { threw: false, protocolVersion: schema.protocolVersion() };
        });
        if (schema) {
            await check('schemaListTools', async () => {
                const r = await schema.client.listTools();
                const tool = r.tools.find(t => t.name === opt['schema-tool']);
                return { threw: false, listed: tool !== undefined, hasOutputSchema: tool?.outputSchema !== undefined };
            });
            await check('schemaDeniedCall', async () =>
                summary(await schema.call({ name: opt['schema-tool'], arguments: { location: 'New York' } })));
        }
    }
} finally {
    for (const s of [fixture, schema]) {
        try { await s?.client.close(); } catch { /* closing anyway */ }
    }
}
process.stdout.write(JSON.stringify(report) + '\n');
process.exit(0);
