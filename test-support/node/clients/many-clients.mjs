// Many official TypeScript SDK v1 clients (@modelcontextprotocol/sdk StreamableHTTPClientTransport) in one process,
// each holding the standard GET stream it opens after initialize, pointed at Warden. Driven by e2e-tests
// (ManyStreamsIT); prints ONE JSON line with what the clients saw, and the Java side judges it.
//
//   node clients/many-clients.mjs --url <endpoint through Warden> --tokens t1,t2,... --clients N
//        --metrics-url <gateway /q/metrics> --server <server id> [--greedy-token <token> --greedy-extra K]
//        [--hold-ms M: keep every stream open M ms after the calls, for measuring]
//
// Client i uses token i % tokens. Phases: connect all (in waves, so that the process is not a connection storm),
// wait until the gateway reports N open streams for the server, call echo from every client at once; then K more
// clients on --greedy-token (whose stream budget is already full) connect, and every first client calls again.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const { values: opt } = parseArgs({
    options: {
        url: { type: 'string' },
        tokens: { type: 'string' },
        clients: { type: 'string', default: '1000' },
        'metrics-url': { type: 'string' },
        server: { type: 'string' },
        'greedy-token': { type: 'string' },
        'greedy-extra': { type: 'string', default: '0' },
        wave: { type: 'string', default: '50' },
        'wait-ms': { type: 'string', default: '120000' },
        'hold-ms': { type: 'string', default: '0' },
        'gateway-pid': { type: 'string' },
        jcmd: { type: 'string' }
    }
});

// A failure the SDK raises outside a call (e.g. a refused POST while connecting) is reported, never a crash.
const unhandled = [];
process.on('unhandledRejection', e => unhandled.push(String(e?.message ?? e)));
const tokens = opt.tokens.split(',');
const n = Number(opt.clients);
const report = { client: 'many-v1', clients: n, phases: {} };
const t0 = Date.now();

async function connect(token, i) {
    const errors = [];
    const transport = new StreamableHTTPClientTransport(new URL(opt.url), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } }
    });
    const client = new Client({ name: `warden-many-${i}`, version: '1.0.0' }, { capabilities: {} });
    client.onerror = e => errors.push({ code: e?.code ?? null, message: String(e?.message ?? e) });
    await client.connect(transport);
    return { client, errors };
}

async function openStreams() {
    const text = await (await fetch(opt['metrics-url'])).text();
    const line = text.split('\n').find(l => l.startsWith('warden_streams_open{') && l.includes(`server="${opt.server}"`));
    return line ? Number(line.trim().split(/\s+/).pop()) : 0;
}

async function callAll(list, tag) {
    const started = Date.now();
    const took = [];
    const results = await Promise.allSettled(list.map(async (c, i) => {
        const t = performance.now();
        const r = await c.client.callTool({ name: 'echo', arguments: { message: `${tag}-${i}` } });
        took.push(performance.now() - t);
        return r;
    }));
    took.sort((a, b) => a - b);
    const pct = p => took.length ? Math.round(took[Math.min(took.length - 1, Math.floor(p * took.length))]) : null;
    const answered = results.filter((r, i) => r.status === 'fulfilled' && !r.value.isError
        && r.value.content?.[0]?.text?.includes(`${tag}-${i}`)).length;
    const failures = results.filter(r => r.status === 'rejected').slice(0, 5).map(r => String(r.reason?.message ?? r.reason));
    return { calls: list.length, answered, failures, ms: Date.now() - started, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}

// The gateway's memory (with --gateway-pid and --jcmd): resident set, and heap in use right after a full GC.
async function memory() {
    if (!opt['gateway-pid'] || !opt.jcmd) return null;
    try {
        execFileSync(opt.jcmd, [opt['gateway-pid'], 'GC.run'], { stdio: 'ignore' });
        const status = readFileSync(`/proc/${opt['gateway-pid']}/status`, 'utf8');
        const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        const text = await (await fetch(opt['metrics-url'])).text();
        const heapBytes = text.split('\n').filter(l => l.startsWith('jvm_memory_used_bytes{') && l.includes('area="heap"'))
            .reduce((sum, l) => sum + Number(l.trim().split(/\s+/).pop()), 0);
        return { rssKiB, heapBytes };
    } catch (e) {
        return { error: String(e?.message ?? e) };
    }
}

const memoryBefore = await memory();
const clients = [];
let connectFailures = [];
const wave = Number(opt.wave);
for (let start = 0; start < n; start += wave) {
    const batch = [];
    for (let i = start; i < Math.min(n, start + wave); i++) batch.push(connect(tokens[i % tokens.length], i));
    for (const r of await Promise.allSettled(batch)) {
        if (r.status === 'fulfilled') clients.push(r.value);
        else connectFailures.push(String(r.reason?.message ?? r.reason));
    }
    if (start === 0) report.phases.baseline = await callAll(clients.slice(), 'first'); // a wave's streams only
}
report.phases.connect = { connected: clients.length, failures: connectFailures.slice(0, 5), ms: Date.now() - t0 };

// Every client's GET stream is open once the gateway counts them all.
let streams = 0;
const deadline = Date.now() + Number(opt['wait-ms']);
while (Date.now() < deadline && (streams = await openStreams()) < n) await new Promise(r => setTimeout(r, 200));
report.phases.streams = { open: streams, streamErrors: clients.filter(c => c.errors.length > 0).length };
report.phases.memory = { before: memoryBefore, withStreams: await memory() };
report.phases.calls = await callAll(clients, 'all');
if (Number(opt['hold-ms']) > 0) {
    // For measurements from outside (the gateway's memory with every stream open).
    console.log(`HOLDING ${streams} streams`);
    await new Promise(r => setTimeout(r, Number(opt['hold-ms'])));
}

const extra = Number(opt['greedy-extra']);
if (extra > 0) {
    const greedy = [];
    for (let i = 0; i < extra; i++) greedy.push(await connect(opt['greedy-token'], n + i));
    // The refusal of a GET stream reaches the v1 client through onerror (connect itself succeeds).
    const until = Date.now() + 30000;
    while (Date.now() < until && greedy.some(g => g.errors.length === 0)) await new Promise(r => setTimeout(r, 100));
    report.phases.greedy = {
        clients: extra,
        refusedCodes: greedy.map(g => g.errors[0]?.code ?? null),
        messages: greedy.map(g => g.errors[0]?.message ?? null).slice(0, 2),
        streamsOpen: await openStreams(),
        theirCalls: await callAll(greedy, 'greedy')
    };
    report.phases.afterGreedy = await callAll(clients, 'again');
    await Promise.allSettled(greedy.map(g => g.client.close()));
}
await Promise.allSettled(clients.map(c => c.client.close()));
report.unhandled = unhandled.slice(0, 5);
report.totalMs = Date.now() - t0;
console.log(JSON.stringify(report));
process.exit(0);
