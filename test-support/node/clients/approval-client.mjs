// An official TypeScript MCP client that meets Warden's human approval: it declares elicitation (or not), answers
// Warden's approval form as told, and calls tools. Prints ONE JSON line; exit 0 when the script ran to the end.
// Driven by gateway-service (ApprovalFlowTest) and e2e-tests (ApprovalIT).
//
//   node clients/approval-client.mjs --sdk v1|v2 --era legacy|modern --url <url> --token <grant token>
//        [--elicit accept|decline|none] [--call tool --args '{"k":"v"}']...
//
// v1 = @modelcontextprotocol/sdk 1.32.2 (2025 era); v2 = @modelcontextprotocol/client 2.4.0, legacy handshake or
// pinned to 2026-07-28 (where Warden's form arrives inside an input_required result and the SDK retries by itself).
// --elicit none declares no elicitation capability. Each form the client is shown is recorded with its call.
// --mrtr (v2 only) also declares sampling and roots and answers them, for upstreams that ask for them (SEP-2322 fixtures).
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
    options: {
        sdk: { type: 'string', default: 'v2' },
        era: { type: 'string', default: 'legacy' },
        url: { type: 'string' },
        token: { type: 'string' },
        elicit: { type: 'string', default: 'accept' },
        call: { type: 'string', multiple: true, default: [] },
        args: { type: 'string', multiple: true, default: [] },
        'timeout-ms': { type: 'string', default: '60000' },
        mrtr: { type: 'boolean', default: false }
    }
});

const report = { sdk: opt.sdk, era: opt.era, elicit: opt.elicit, calls: [] };
let forms = [];

function answer(params) {
    forms.push({ message: params?.message ?? null, mode: params?.mode ?? null,
        fields: Object.keys(params?.requestedSchema?.properties ?? {}) });
    if (opt.elicit !== 'accept') return { action: 'decline' };
    // Warden's form has one boolean, "approve"; an upstream's form gets a plausible value for each of its fields.
    const content = {};
    for (const [name, schema] of Object.entries(params?.requestedSchema?.properties ?? {})) {
        content[name] = schema?.type === 'boolean' ? true : schema?.type === 'number' || schema?.type === 'integer' ? 1 : 'warden';
    }
    return { action: 'accept', content };
}

async function connect() {
    const requestInit = { headers: { Authorization: `Bearer ${opt.token}` } };
    const info = { name: `warden-approval-client-${opt.sdk}`, version: '1.0.0' };
    const capabilities = opt.elicit === 'none' ? {} : { elicitation: {} };
    if (opt.sdk === 'v1') {
        const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
        const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
        const { ElicitRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
        const client = new Client(info, { capabilities });
        if (opt.elicit !== 'none') client.setRequestHandler(ElicitRequestSchema, async r => answer(r.params));
        await client.connect(new StreamableHTTPClientTransport(new URL(opt.url), { requestInit }));
        return client;
    }
    const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
    const mode = opt.era === 'modern' ? { pin: '2026-07-28' } : opt.era;
    if (opt.mrtr) Object.assign(capabilities, { sampling: {}, roots: {} });
    const client = new Client(info, { capabilities, versionNegotiation: { mode } });
    if (opt.elicit !== 'none') client.setRequestHandler('elicitation/create', async r => answer(r.params));
    if (opt.mrtr) {
        client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant',
            content: { type: 'text', text: 'Paris' }, model: 'warden-test', stopReason: 'endTurn' }));
        client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: 'file:///warden', name: 'warden' }] }));
    }
    await client.connect(new StreamableHTTPClientTransport(new URL(opt.url), { requestInit }));
    return client;
}

function textOf(result) {
    return (result?.content ?? []).filter(c => c.type === 'text').map(c => c.text).join('\n');
}

try {
    const client = await connect();
    for (let i = 0; i < opt.call.length; i++) {
        forms = [];
        const args = JSON.parse(opt.args[i] ?? '{}');
        const entry = { tool: opt.call[i], args };
        try {
            const params = { name: opt.call[i], arguments: args };
            const options = { timeout: Number(opt['timeout-ms']) };
            const r = opt.sdk === 'v1' ? await client.callTool(params, undefined, options)
                : await client.callTool(params, options);
            Object.assign(entry, { threw: false, isError: r?.isError === true, text: textOf(r),
                decision: r?._meta?.['io.warden/decision'] ?? null });
        } catch (e) {
            Object.assign(entry, { threw: true, code: e?.code ?? null, message: String(e?.message ?? e) });
        }
        entry.forms = forms;
        report.calls.push(entry);
    }
    await client.close();
    report.ok = true;
} catch (e) {
    report.ok = false;
    report.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(report));
process.exit(0);
