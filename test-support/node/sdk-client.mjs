// A scripted run of an official TypeScript MCP client against one URL, for Java tests that need "a real client"
// (directly against an upstream, or through Warden). Prints ONE JSON report on stdout; exit 0 when every
// mandatory step worked, 1 otherwise (the report then says which step failed and why).
//
//   node sdk-client.mjs --sdk v1|v2 --url http://127.0.0.1:<p>/mcp [--era legacy|modern|auto]
//        [--header 'Name: value']... [--resource test://static-text | --resource none]
//        [--progress-steps 3 --progress-delay-ms 150] [--call tool --args '{"k":"v"}']...
//
// --sdk v1 is @modelcontextprotocol/sdk 1.32.2 (legacy era only); v2 is @modelcontextprotocol/client 2.4.0, whose
// --era picks the wire era: legacy (initialize handshake, the default), modern (pinned 2026-07-28) or auto
// (server/discover probe, falling back to initialize).
//
// Steps: connect, tools/list (every page), tools/call echo, resources/read (unless --resource none),
// tools/call slow_progress with a progress token (the report has each notification's arrival time and the
// result's, so a test can prove the notifications were streamed before the result), then every --call, whose
// outcome (result or error) is recorded without failing the run.
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
    options: {
        sdk: { type: 'string', default: 'v2' },
        url: { type: 'string' },
        era: { type: 'string', default: 'legacy' },
        header: { type: 'string', multiple: true, default: [] },
        resource: { type: 'string', default: 'test://static-text' },
        'progress-steps': { type: 'string', default: '3' },
        'progress-delay-ms': { type: 'string', default: '150' },
        call: { type: 'string', multiple: true, default: [] },
        args: { type: 'string', multiple: true, default: [] }
    }
});

const report = { sdk: opts.sdk, era: opts.era, url: opts.url, ok: false, steps: {} };
const started = Date.now();
const since = () => Date.now() - started;

function headers() {
    const out = {};
    for (const h of opts.header) {
        const i = h.indexOf(':');
        if (i > 0) out[h.slice(0, i).trim()] = h.slice(i + 1).trim();
    }
    return out;
}

async function connect() {
    const init = { headers: headers() };
    const info = { name: `warden-sdk-client-${opts.sdk}`, version: '1.0.0' };
    if (opts.sdk === 'v1') {
        if (opts.era !== 'legacy') throw new Error('the v1 SDK speaks the legacy era only');
        const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
        const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
        const client = new Client(info, { capabilities: {} });
        const transport = new StreamableHTTPClientTransport(new URL(opts.url), { requestInit: init });
        await client.connect(transport);
        return {
            client,
            close: () => client.close(),
            callTool: (params, onprogress) => client.callTool(params, undefined, onprogress ? { onprogress } : undefined),
            sessionId: () => transport.sessionId
        };
    }
    const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
    const mode = opts.era === 'modern' ? { pin: '2026-07-28' } : opts.era;
    const client = new Client(info, { capabilities: {}, versionNegotiation: { mode } });
    const transport = new StreamableHTTPClientTransport(new URL(opts.url), { requestInit: init });
    await client.connect(transport);
    return {
        client,
        close: () => client.close(),
        callTool: (params, onprogress) => client.callTool(params, onprogress ? { onprogress } : undefined),
        sessionId: () => transport.sessionId
    };
}

function firstText(result) {
    return result?.content?.find?.(c => c.type === 'text')?.text ?? null;
}

async function step(name, fn, mandatory = true) {
    try {
        report.steps[name] = { ok: true, ...(await fn()) };
    } catch (e) {
        report.steps[name] = { ok: false, error: String(e?.message ?? e), code: e?.code };
        if (mandatory) throw e;
    }
}

let session;
try {
    await step('connect', async () => {
        session = await connect();
        return {
            protocolVersion: session.client.getNegotiatedProtocolVersion?.() ?? null,
            serverName: session.client.getServerVersion?.()?.name ?? null,
            sessionId: session.sessionId() ?? null
        };
    });
    await step('listTools', async () => {
        const names = [];
        let cursor;
        let pages = 0;
        do {
            const page = await session.client.listTools(cursor ? { cursor } : undefined);
            names.push(...page.tools.map(t => t.name));
            cursor = page.nextCursor;
            pages++;
        } while (cursor && pages < 100);
        return { tools: names, pages };
    });
    await step('echo', async () => {
        const result = await session.callTool({ name: 'echo', arguments: { message: `hello from ${opts.sdk}` } });
        return { text: firstText(result), isError: result.isError === true };
    });
    if (opts.resource !== 'none') {
        await step('readResource', async () => {
            const result = await session.client.readResource({ uri: opts.resource });
            return { uri: opts.resource, text: result.contents?.[0]?.text ?? null };
        });
    }
    await step('progress', async () => {
        const progressAt = [];
        const t0 = since();
        const result = await session.callTool({
            name: 'slow_progress',
            arguments: { steps: Number(opts['progress-steps']), delayMs: Number(opts['progress-delay-ms']) }
        }, (p) => progressAt.push({ progress: p.progress, total: p.total, atMs: since() - t0 }));
        return { notifications: progressAt, resultAtMs: since() - t0, text: firstText(result) };
    });
    for (let i = 0; i < opts.call.length; i++) {
        const name = opts.call[i];
        const args = JSON.parse(opts.args[i] ?? '{}');
        await step(`call:${name}`, async () => {
            const result = await session.callTool({ name, arguments: args });
            return { text: firstText(result), isError: result.isError === true, result };
        }, false);
    }
    report.ok = true;
} catch {
    report.ok = false;
} finally {
    try { await session?.close(); } catch { /* closing */ }
}
process.stdout.write(JSON.stringify(report) + '\n');
process.exit(report.ok ? 0 : 1);
