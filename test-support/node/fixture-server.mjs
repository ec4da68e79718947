// Warden's fixture MCP server: a real upstream for tests, built on the official TypeScript SDK v2.
//
// One port, three transports:
//   /mcp          Streamable HTTP, both eras. Modern (2026-07-28) requests go to the SDK's stateless
//                 createMcpHandler; legacy (2025-03-26 .. 2025-11-25) traffic gets a sessionful
//                 transport per initialize (Mcp-Session-Id, GET stream, DELETE, resumable SSE).
//   /sse          deprecated HTTP+SSE (2024-11-05): GET opens the stream, POST /messages?sessionId=..
//   /_fixture/*   out-of-band test hooks: calls (per-tool counts), last-headers, reset, fault (make /mcp
//                 misbehave), config (tools/list page size, description overrides, extra listed tools), health. See test-support/README.md.
//
// Configuration (argument wins over environment): --port / FIXTURE_PORT (0 = any free port),
// --host / FIXTURE_HOST (127.0.0.1), --path / FIXTURE_PATH (/mcp), --eras / FIXTURE_ERAS (dual): which protocol eras
// the server speaks, for tests of a gateway's era bridging:
//   dual      both Streamable HTTP eras on /mcp, plus HTTP+SSE on /sse (the default)
//   modern    2026-07-28 only: every /mcp request goes to the strict modern handler (legacy traffic is rejected as
//             the SDK's modern-only handler does: initialize errors listing the supported versions, GET/DELETE 405)
//   legacy    2025-era Streamable HTTP only: every /mcp request goes to the sessionful legacy transport, so a modern
//             request gets what a 2025-11-25 SDK server answers (400, no session)
//   http+sse  the deprecated HTTP+SSE transport only: /mcp answers 404
// Once listening it prints one line on stdout:
//   FIXTURE_LISTENING port=<n> url=http://127.0.0.1:<n>/mcp
import { createServer } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
    McpServer,
    ProtocolError,
    ProtocolErrorCode,
    ResourceTemplate,
    WebStandardStreamableHTTPServerTransport,
    completable,
    createMcpHandler,
    createRequestStateCodec,
    fromJsonSchema,
    hostHeaderValidationResponse,
    inputRequired,
    inputResponse,
    isLegacyRequest,
    localhostAllowedHostnames,
    localhostAllowedOrigins,
    originValidationResponse
} from '@modelcontextprotocol/server';
import * as z from 'zod';

const { values: args } = parseArgs({
    options: { port: { type: 'string' }, host: { type: 'string' }, path: { type: 'string' }, eras: { type: 'string' } },
    allowPositionals: true
});
const PORT = Number(args.port ?? process.env.FIXTURE_PORT ?? 0);
const HOST = args.host ?? process.env.FIXTURE_HOST ?? '127.0.0.1';
const MCP_PATH = args.path ?? process.env.FIXTURE_PATH ?? '/mcp';
const ERAS = args.eras ?? process.env.FIXTURE_ERAS ?? 'dual';
if (!['dual', 'modern', 'legacy', 'http+sse'].includes(ERAS)) {
    process.stderr.write(`fixture: --eras must be dual, modern, legacy or http+sse, got ${ERAS}\n`);
    process.exit(2);
}
const SERVES_MCP = ERAS !== 'http+sse';
const SERVES_SSE = ERAS === 'dual' || ERAS === 'http+sse';

// 1x1 red PNG and a tiny silent WAV (44-byte header + 2 samples), base64.
const PNG_1PX =
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV_SILENCE = Buffer.concat([
    Buffer.from('RIFF', 'ascii'), u32(40), Buffer.from('WAVEfmt ', 'ascii'), u32(16), u16(1), u16(1),
    u32(8000), u32(16000), u16(2), u16(16), Buffer.from('data', 'ascii'), u32(4), Buffer.alloc(4)
]).toString('base64');
function u32(n) { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; }
function u16(n) { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; }

// ---------------------------------------------------------------- out-of-band state
const calls = new Map();          // tool name -> number of times its handler ran
let lastHeaders = {};             // headers of the last request on an MCP path
let fault = null;                 // { mode, status, remaining } while /_fixture/fault is armed
let toolsPageSize = 0;            // > 0: tools/list answers in pages of this size (cursor = next offset)
let toolDescriptions = {};        // tool name -> description tools/list shows instead (a "rug pull" for inventory tests)
let extraTools = [];              // tool definitions tools/list also shows (listed only: calling them is an unknown tool)
const requestLog = [];            // {httpMethod, path (with query), method}: every /mcp and /sse request, oldest first (at most 1000)
function logRequest(httpMethod, path, body) {
    let method = null;
    try { method = JSON.parse(body.toString('utf8') || 'null')?.method ?? null; } catch { /* not JSON */ }
    requestLog.push({ httpMethod, path, method });
    if (requestLog.length > 1000) requestLog.shift();
}
const legacySessions = new Map(); // Mcp-Session-Id -> { transport, server }
const sseSessions = new Map();    // HTTP+SSE session id -> transport
const stateCodec = createRequestStateCodec({ key: randomBytes(32), ttlSeconds: 600 });

function text(t) { return { content: [{ type: 'text', text: t }] }; }
function sleep(ms) { return new Promise(r => setTimeout(r, ms)); }

async function progress(ctx, value, total, message) {
    const token = ctx.mcpReq._meta?.progressToken;
    if (token === undefined) return;
    await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken: token, progress: value, total, ...(message ? { message } : {}) }
    });
}

// ---------------------------------------------------------------- the server definition
// One factory for every era and transport, as the SDK recommends. `era` is 'modern' or 'legacy'.
function buildServer({ era }) {
    const server = new McpServer(
        { name: 'warden-fixture', version: '1.0.0' },
        {
            capabilities: {
                tools: { listChanged: true },
                prompts: { listChanged: true },
                resources: { subscribe: true, listChanged: true },
                logging: {},
                completions: {}
            },
            instructions: 'Warden test fixture: conformance test_* fixtures plus echo, add, delete_account, slow_progress.',
            requestState: { verify: (state, ctx) => stateCodec.verify(state, ctx) }
        }
    );
    const modern = era === 'modern';

    const tool = (name, config, handler) =>
        server.registerTool(name, config, async (...a) => {
            calls.set(name, (calls.get(name) ?? 0) + 1);
            return handler(...a);
        });
    const noArgs = z.object({});

    // ---- Warden's own tools
    tool('echo', {
        description: 'Returns its message argument as text.',
        inputSchema: z.object({ message: z.string().describe('Text to echo back') }),
        annotations: { readOnlyHint: true }
    }, async ({ message }) => text(message));

    tool('add', {
        description: 'Adds two numbers.',
        inputSchema: z.object({ a: z.number(), b: z.number() }),
        annotations: { readOnlyHint: true }
    }, async ({ a, b }) => ({ ...text(String(a + b)), structuredContent: { sum: a + b } }));

    tool('delete_account', {
        description: 'Pretends to delete an account. Destructive: policies should deny or gate it.',
        inputSchema: z.object({ account_id: z.string().optional() }),
        annotations: { destructiveHint: true, readOnlyHint: false, idempotentHint: false }
    }, async ({ account_id }) => text(`account ${account_id ?? '(none)'} deleted`));

    tool('slow_progress', {
        description: 'Sends `steps` progress notifications spaced by `delayMs`, then returns.',
        inputSchema: z.object({
            steps: z.number().int().min(0).max(1000).default(3),
            delayMs: z.number().int().min(0).max(60000).default(100)
        })
    }, async ({ steps, delayMs }, ctx) => {
        for (let i = 1; i <= steps; i++) {
            await sleep(delayMs);
            await progress(ctx, i, steps, `step ${i} of ${steps}`);
        }
        return text(`done after ${steps} steps`);
    });

    tool('sleep', {
        description: 'Waits `ms` milliseconds, then returns (a slow upstream for timeout tests).',
        inputSchema: z.object({ ms: z.number().int().min(0).max(600000) })
    }, async ({ ms }, ctx) => {
        await new Promise((resolve) => {
            const timer = setTimeout(resolve, ms);
            ctx.mcpReq.signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); });
        });
        return text(`slept ${ms} ms`);
    });

    // SEP-2243: modern clients copy `region` into an `Mcp-Param-Region` header; the SDK checks header and body agree.
    tool('region_echo', {
        description: 'Returns its region argument; declares it as the Mcp-Param-Region header (x-mcp-header).',
        inputSchema: fromJsonSchema({
            type: 'object',
            properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, note: { type: 'string' } },
            required: ['region']
        })
    }, async ({ region }) => text(`region=${region}`));

    // ---- conformance fixtures: content types
    tool('test_simple_text', { description: 'Returns simple text content.', inputSchema: noArgs },
        async () => text('This is a simple text response for testing.'));

    tool('test_image_content', { description: 'Returns image content.', inputSchema: noArgs },
        async () => ({ content: [{ type: 'image', data: PNG_1PX, mimeType: 'image/png' }] }));

    tool('test_audio_content', { description: 'Returns audio content.', inputSchema: noArgs },
        async () => ({ content: [{ type: 'audio', data: WAV_SILENCE, mimeType: 'audio/wav' }] }));

    tool('test_embedded_resource', { description: 'Returns an embedded resource.', inputSchema: noArgs },
        async () => ({
            content: [{
                type: 'resource',
                resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' }
            }]
        }));

    tool('test_multiple_content_types', { description: 'Returns text, image and resource content.', inputSchema: noArgs },
        async () => ({
            content: [
                { type: 'text', text: 'Multiple content types test:' },
                { type: 'image', data: PNG_1PX, mimeType: 'image/png' },
                {
                    type: 'resource',
                    resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: '{"test":"data","value":123}' }
                }
            ]
        }));

    tool('test_error_handling', { description: 'Always fails with isError.', inputSchema: noArgs },
        async () => ({ isError: true, content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }] }));

    tool('test_tool_with_progress', { description: 'Reports progress 0, 50, 100 of 100.', inputSchema: noArgs },
        async (_args, ctx) => {
            await progress(ctx, 0, 100);
            await sleep(50);
            await progress(ctx, 50, 100);
            await sleep(50);
            await progress(ctx, 100, 100);
            return text('Progress tool completed');
        });

    tool('test_tool_with_logging', { description: 'Sends three info log notifications.', inputSchema: noArgs },
        async (_args, ctx) => {
            await ctx.mcpReq.log('info', 'Tool execution started');
            await sleep(50);
            await ctx.mcpReq.log('info', 'Tool processing data');
            await sleep(50);
            await ctx.mcpReq.log('info', 'Tool execution completed');
            return text('Logging tool completed');
        });

    // SEP-1699 polling: the server closes the POST's SSE stream mid-call; the client resumes with GET +
    // Last-Event-ID and gets the result from the event store. Legacy sessions only (needs the event store).
    tool('test_reconnection', { description: 'Closes the SSE stream mid-call; the result arrives after a resume.', inputSchema: noArgs },
        async (_args, ctx) => {
            await ctx.mcpReq.log('info', 'closing the stream now; resume with Last-Event-ID');
            // Let the answer's headers and first events leave first: closing "mid-call" must not mean closing
            // before the response began (a client would then see a connection dropped with no answer at all).
            await sleep(100);
            ctx.http?.closeSSE?.();
            await sleep(100);
            return text('Reconnection test completed');
        });

    tool('test_logging_tool', { description: 'Sends a log notification (modern: only when _meta logLevel asks).', inputSchema: noArgs },
        async (_args, ctx) => {
            await ctx.mcpReq.log('info', 'test_logging_tool ran');
            return text('Logging done');
        });

    // ---- conformance fixtures: client requests (legacy: pushed; modern: input_required results)
    tool('test_sampling', {
        description: 'Asks the client to sample an LLM.',
        inputSchema: z.object({ prompt: z.string() })
    }, async ({ prompt }, ctx) => {
        const request = { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 };
        if (modern) {
            const answer = inputResponse(ctx.mcpReq.inputResponses, 'sample');
            if (answer.kind !== 'sampling') return inputRequired({ inputRequests: { sample: inputRequired.createMessage(request) } });
            return text(`LLM response: ${samplingText(answer.result)}`);
        }
        // Tied to the call, so the request travels on the call's own SSE answer, never on a GET stream
        // that may not exist yet (through a proxy, the GET and the POST can reach us in either order).
        const result = await ctx.mcpReq.requestSampling(request, { relatedRequestId: ctx.mcpReq.id });
        return text(`LLM response: ${samplingText(result)}`);
    });

    const elicitUser = {
        type: 'object',
        properties: {
            username: { type: 'string', description: "User's response" },
            email: { type: 'string', description: "User's email address" }
        },
        required: ['username', 'email']
    };
    tool('test_elicitation', {
        description: 'Asks the user for a username and email.',
        inputSchema: z.object({ message: z.string() })
    }, async ({ message }, ctx) => elicitAndReport(ctx, 'User response', { message, requestedSchema: elicitUser }));

    tool('test_elicitation_sep1034_defaults', { description: 'Elicitation with defaults (SEP-1034).', inputSchema: noArgs },
        async (_args, ctx) => elicitAndReport(ctx, 'Elicitation completed', {
            message: 'Please review the defaults',
            requestedSchema: {
                type: 'object',
                properties: {
                    name: { type: 'string', default: 'John Doe' },
                    age: { type: 'integer', default: 30 },
                    score: { type: 'number', default: 95.5 },
                    status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
                    verified: { type: 'boolean', default: true }
                }
            }
        }));

    tool('test_elicitation_sep1330_enums', { description: 'Elicitation with every enum form (SEP-1330).', inputSchema: noArgs },
        async (_args, ctx) => elicitAndReport(ctx, 'Elicitation completed', {
            message: 'Pick some options',
            requestedSchema: {
                type: 'object',
                properties: {
                    untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
                    titledSingle: {
                        type: 'string',
                        oneOf: [
                            { const: 'value1', title: 'First Option' },
                            { const: 'value2', title: 'Second Option' },
                            { const: 'value3', title: 'Third Option' }
                        ]
                    },
                    legacyEnum: {
                        type: 'string',
                        enum: ['opt1', 'opt2', 'opt3'],
                        enumNames: ['Option One', 'Option Two', 'Option Three']
                    },
                    untitledMulti: { type: 'array', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
                    titledMulti: {
                        type: 'array',
                        items: {
                            anyOf: [
                                { const: 'value1', title: 'First Choice' },
                                { const: 'value2', title: 'Second Choice' },
                                { const: 'value3', title: 'Third Choice' }
                            ]
                        }
                    }
                }
            }
        }));

    async function elicitAndReport(ctx, prefix, params) {
        if (modern) {
            const answer = inputResponse(ctx.mcpReq.inputResponses, 'elicit');
            if (answer.kind !== 'elicit') return inputRequired({ inputRequests: { elicit: inputRequired.elicit(params) } });
            return text(`${prefix}: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
        }
        const result = await ctx.mcpReq.elicitInput(params, { relatedRequestId: ctx.mcpReq.id });
        return text(`${prefix}: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
    }

    // JSON Schema 2020-12 keywords must survive tools/list untouched (SEP-1613, SEP-2106).
    tool('json_schema_2020_12_tool', {
        description: 'Tool whose input schema uses JSON Schema 2020-12 features',
        inputSchema: fromJsonSchema(SCHEMA_2020_12)
    }, async (input) => text(`received ${JSON.stringify(input)}`));

    // ---- conformance fixtures: list-changed triggers
    tool('test_trigger_tool_change', { description: 'Announces a tools/list change.', inputSchema: noArgs },
        async () => {
            announce('tools');
            return text('tools/list_changed sent');
        });
    tool('test_trigger_prompt_change', { description: 'Announces a prompts/list change.', inputSchema: noArgs },
        async () => {
            announce('prompts');
            return text('prompts/list_changed sent');
        });

    if (modern) registerModernOnly(server, tool, noArgs);
    paginateToolsList(server);

    // ---- resources
    server.registerResource('static-text', 'test://static-text',
        { description: 'A static text resource', mimeType: 'text/plain' },
        async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }] }));
    server.registerResource('static-binary', 'test://static-binary',
        { description: 'A static binary resource (1x1 PNG)', mimeType: 'image/png' },
        async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG_1PX }] }));
    server.registerResource('watched-resource', 'test://watched-resource',
        { description: 'A resource clients may subscribe to', mimeType: 'text/plain' },
        async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Watched resource content.' }] }));
    server.registerResource('template-data',
        new ResourceTemplate('test://template/{id}/data', { list: undefined }),
        { description: 'Templated JSON data', mimeType: 'application/json' },
        async (uri, { id }) => ({
            contents: [{
                uri: uri.href,
                mimeType: 'application/json',
                text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` })
            }]
        }));
    if (!modern) {
        server.server.setRequestHandler('resources/subscribe', async () => ({}));
        server.server.setRequestHandler('resources/unsubscribe', async () => ({}));
    }

    // ---- prompts
    server.registerPrompt('test_simple_prompt', { description: 'A prompt without arguments' },
        async () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }] }));
    server.registerPrompt('test_prompt_with_arguments', {
        description: 'A prompt with two arguments',
        argsSchema: z.object({
            arg1: completable(z.string().describe('First test argument'), (v) => ['paris', 'park', 'party'].filter(s => s.startsWith(v ?? ''))),
            arg2: z.string().describe('Second test argument')
        })
    }, async ({ arg1, arg2 }) => ({
        messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }]
    }));
    server.registerPrompt('test_prompt_with_embedded_resource', {
        description: 'A prompt embedding a resource',
        argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') })
    }, async ({ resourceUri }) => ({
        messages: [
            { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
            { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } }
        ]
    }));
    server.registerPrompt('test_prompt_with_image', { description: 'A prompt with an image' },
        async () => ({
            messages: [
                { role: 'user', content: { type: 'image', data: PNG_1PX, mimeType: 'image/png' } },
                { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } }
            ]
        }));
    if (modern) {
        server.registerPrompt('test_input_required_result_prompt', { description: 'A prompt that first asks for context' },
            async (ctx) => {
                const answer = inputResponse(ctx.mcpReq.inputResponses, 'user_context');
                if (answer.kind !== 'elicit' || answer.action !== 'accept') {
                    return inputRequired({ inputRequests: { user_context: inputRequired.elicit(askFor('What context should the prompt use?', 'context')) } });
                }
                return { messages: [{ role: 'user', content: { type: 'text', text: `Prompt with context: ${answer.content?.context}` } }] };
            });
    }
    return server;
}

const SCHEMA_2020_12 = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    $defs: {
        address: {
            $anchor: 'postalAddress',
            type: 'object',
            properties: { line1: { type: 'string' }, town: { type: 'string' }, postcode: { type: 'string' } }
        }
    },
    properties: {
        name: { type: 'string' },
        address: { $ref: '#/$defs/address' },
        preferred: { type: 'string', enum: ['phone', 'email'] },
        phone: { type: 'string' },
        email: { type: 'string' }
    },
    allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
    if: { properties: { preferred: { const: 'email' } }, required: ['preferred'] },
    then: { required: ['email'] },
    else: { required: ['phone'] },
    additionalProperties: false
};

function samplingText(result) {
    const c = Array.isArray(result?.content) ? result.content[0] : result?.content;
    return c?.type === 'text' ? c.text : JSON.stringify(c ?? null);
}

// McpServer lists every tool in one page. When a test sets a page size (POST /_fixture/config), tools/list is
// answered page by page, the cursor being the next offset, so proxies can be tested on cursors.
function paginateToolsList(server) {
    const listAll = server.server._getRequestHandler('tools/list');
    server.server.setRequestHandler('tools/list', async (request, ctx) => {
        const listed = await listAll(request, ctx);
        const tools = [...listed.tools, ...extraTools].map(t =>
            Object.hasOwn(toolDescriptions, t.name) ? { ...t, description: toolDescriptions[t.name] } : t);
        const all = { ...listed, tools };
        if (toolsPageSize <= 0) return all;
        const start = Number.parseInt(request.params?.cursor ?? '0', 10);
        if (!Number.isInteger(start) || start < 0 || start > all.tools.length) {
            throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid cursor: ${request.params?.cursor}`);
        }
        const end = start + toolsPageSize;
        return { ...all, tools: all.tools.slice(start, end), ...(end < all.tools.length ? { nextCursor: String(end) } : {}) };
    });
}

function clientCapabilities(ctx) {
    return ctx.mcpReq.envelope?.['io.modelcontextprotocol/clientCapabilities'] ?? {};
}

function askFor(message, field, type = 'string') {
    return { message, requestedSchema: { type: 'object', properties: { [field]: { type } }, required: [field] } };
}

// The 2026-07-28 multi-round-trip fixtures (SEP-2322) and SEP-2575 diagnostic hooks.
function registerModernOnly(server, tool, noArgs) {
    const greet = (name) => text(`Hello, ${name}!`);

    tool('test_input_required_result_elicitation', { description: 'MRTR: asks for a name by elicitation.', inputSchema: noArgs },
        async (_args, ctx) => {
            const answer = inputResponse(ctx.mcpReq.inputResponses, 'user_name');
            if (answer.kind !== 'elicit' || answer.action !== 'accept' || typeof answer.content?.name !== 'string') {
                return inputRequired({ inputRequests: { user_name: inputRequired.elicit(askFor('What is your name?', 'name')) } });
            }
            return greet(answer.content.name);
        });

    tool('test_input_required_result_sampling', { description: 'MRTR: asks the client to sample.', inputSchema: noArgs },
        async (_args, ctx) => {
            const answer = inputResponse(ctx.mcpReq.inputResponses, 'capital_question');
            if (answer.kind !== 'sampling') {
                return inputRequired({
                    inputRequests: {
                        capital_question: inputRequired.createMessage({
                            messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
                            maxTokens: 100
                        })
                    }
                });
            }
            return text(`Sampling answer: ${samplingText(answer.result)}`);
        });

    tool('test_input_required_result_list_roots', { description: 'MRTR: asks for the client roots.', inputSchema: noArgs },
        async (_args, ctx) => {
            const answer = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
            if (answer.kind !== 'roots') return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
            return text(`Client roots: ${answer.roots.map(r => r.uri).join(', ') || '(none)'}`);
        });

    tool('test_input_required_result_request_state', { description: 'MRTR: input plus signed request state.', inputSchema: noArgs },
        async (_args, ctx) => {
            const state = ctx.mcpReq.requestState();
            const answer = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
            if (state?.step !== 'confirm' || answer.kind !== 'elicit') {
                return inputRequired({
                    inputRequests: { confirm: inputRequired.elicit(askFor('Please confirm', 'ok', 'boolean')) },
                    requestState: await stateCodec.mint({ step: 'confirm' })
                });
            }
            return text(`state-ok: confirmed=${answer.content?.ok === true}`);
        });

    tool('test_input_required_result_multiple_inputs', { description: 'MRTR: elicitation, sampling and roots at once.', inputSchema: noArgs },
        async (_args, ctx) => {
            const r = ctx.mcpReq.inputResponses;
            const name = inputResponse(r, 'user_name');
            const greeting = inputResponse(r, 'greeting');
            const roots = inputResponse(r, 'client_roots');
            if (ctx.mcpReq.requestState()?.step !== 'all' || name.kind !== 'elicit' || greeting.kind !== 'sampling' || roots.kind !== 'roots') {
                return inputRequired({
                    inputRequests: {
                        user_name: inputRequired.elicit(askFor('What is your name?', 'name')),
                        greeting: inputRequired.createMessage({
                            messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
                            maxTokens: 50
                        }),
                        client_roots: inputRequired.listRoots()
                    },
                    requestState: await stateCodec.mint({ step: 'all' })
                });
            }
            return text(`All inputs received: name=${name.content?.name}, greeting=${samplingText(greeting.result)}, roots=${roots.roots.length}`);
        });

    tool('test_input_required_result_multi_round', { description: 'MRTR: two rounds of elicitation.', inputSchema: noArgs },
        async (_args, ctx) => {
            const state = ctx.mcpReq.requestState();
            const r = ctx.mcpReq.inputResponses;
            if (state?.round === 1) {
                const step1 = inputResponse(r, 'step1');
                if (step1.kind === 'elicit') {
                    return inputRequired({
                        inputRequests: { step2: inputRequired.elicit(askFor('Step 2: What is your favorite color?', 'color')) },
                        requestState: await stateCodec.mint({ round: 2, name: step1.content?.name })
                    });
                }
            }
            if (state?.round === 2) {
                const step2 = inputResponse(r, 'step2');
                if (step2.kind === 'elicit') return text(`Multi-round complete: name=${state.name}, color=${step2.content?.color}`);
            }
            return inputRequired({
                inputRequests: { step1: inputRequired.elicit(askFor('Step 1: What is your name?', 'name')) },
                requestState: await stateCodec.mint({ round: 1 })
            });
        });

    tool('test_input_required_result_tampered_state', { description: 'MRTR: rejects a tampered request state.', inputSchema: noArgs },
        async (_args, ctx) => {
            // A tampered state never reaches here: the server's requestState.verify hook rejects it with -32602.
            if (ctx.mcpReq.requestState()?.step === 'tamper-check') return text('state verified');
            return inputRequired({
                inputRequests: { confirm: inputRequired.elicit(askFor('Please confirm', 'ok', 'boolean')) },
                requestState: await stateCodec.mint({ step: 'tamper-check' })
            });
        });

    tool('test_input_required_result_capabilities', { description: 'MRTR: only asks for what the client declared.', inputSchema: noArgs },
        async (_args, ctx) => {
            const caps = clientCapabilities(ctx);
            const requests = {};
            if (caps.sampling) {
                requests.sample = inputRequired.createMessage({
                    messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }],
                    maxTokens: 20
                });
            }
            if (caps.elicitation) requests.user_name = inputRequired.elicit(askFor('What is your name?', 'name'));
            if (caps.roots) requests.client_roots = inputRequired.listRoots();
            const answered = Object.keys(requests).some(k => inputResponse(ctx.mcpReq.inputResponses, k).kind !== 'missing');
            if (Object.keys(requests).length === 0 || answered) return text('Capability-aware tool completed');
            return inputRequired({ inputRequests: requests });
        });

    // Needs sampling: it asks for a sampling input. The SDK checks every embedded input request against the
    // capabilities declared in the request's _meta and answers -32021 (HTTP 400) when one is missing.
    tool('test_missing_capability', { description: 'Needs the sampling capability; -32021 without it.', inputSchema: noArgs },
        async (_args, ctx) => {
            const answer = inputResponse(ctx.mcpReq.inputResponses, 'sample');
            if (answer.kind === 'sampling') return text(`sampled: ${samplingText(answer.result)}`);
            return inputRequired({
                inputRequests: {
                    sample: inputRequired.createMessage({
                        messages: [{ role: 'user', content: { type: 'text', text: 'Say anything' } }],
                        maxTokens: 20
                    })
                }
            });
        });

    tool('test_streaming_elicitation', { description: 'Streams progress, then asks for input via input_required.', inputSchema: noArgs },
        async (_args, ctx) => {
            const answer = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
            if (answer.kind === 'elicit') return text(`Streaming elicitation answered: ${answer.action}`);
            return inputRequired({ inputRequests: { confirm: inputRequired.elicit(askFor('Continue?', 'ok', 'boolean')) } });
        });
}

// ---------------------------------------------------------------- list-changed fan-out
let modernHandler;
function announce(kind) {
    if (kind === 'tools') modernHandler.notify.toolsChanged();
    else modernHandler.notify.promptsChanged();
    for (const { server } of legacySessions.values()) {
        try {
            const sent = kind === 'tools' ? server.sendToolListChanged() : server.sendPromptListChanged();
            Promise.resolve(sent).catch((e) => debug('announce', e));
        } catch (e) {
            debug('announce', e); // a session whose client went away without DELETE
        }
    }
}

// ---------------------------------------------------------------- HTTP plumbing
modernHandler = createMcpHandler(buildServer, { legacy: 'reject', onerror: (e) => debug('modern', e) });

function debug(where, e) {
    if (process.env.FIXTURE_DEBUG) process.stderr.write(`[fixture ${where}] ${e?.stack ?? e}\n`);
}

async function readBody(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    return Buffer.concat(chunks);
}

function toWebRequest(req, body, signal) {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
        if (Array.isArray(v)) v.forEach(x => headers.append(k, x));
        else if (v !== undefined) headers.set(k, v);
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && body.length > 0;
    return new Request(`http://${HOST}:${server.address().port}${req.url}`, {
        method: req.method, headers, body: hasBody ? body : undefined, signal
    });
}

async function sendWebResponse(res, response) {
    const headers = {};
    response.headers.forEach((v, k) => { headers[k] = v; });
    res.writeHead(response.status, headers);
    if (!response.body) return res.end();
    // Node holds the head until the first body write; an SSE stream's first write can be a keep-alive 15 s later, and a
    // client (or a proxy in front) waits that long for the response head. Real servers send it at once.
    if ((headers['content-type'] ?? '').startsWith('text/event-stream')) res.flushHeaders();
    const reader = response.body.getReader();
    res.on('close', () => reader.cancel().catch(() => {}));
    try {
        for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            res.write(value);
        }
    } catch (e) {
        debug('stream', e);
    }
    res.end();
}

// Armed by POST /_fixture/fault; applies to the next `count` requests on /mcp (all, when count is absent).
async function misbehave(res, current) {
    switch (current.mode) {
        case 'http-error':
            res.writeHead(current.status ?? 502, { 'content-type': 'text/plain' });
            return res.end('fixture: injected upstream failure');
        case 'garbage-json':
            res.writeHead(200, { 'content-type': 'application/json' });
            return res.end('{"jsonrpc":"2.0","id":');
        case 'garbage-sse':
            res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
            return res.end('event: message\ndata: {this is not json\n\n');
        case 'close-mid-stream':
            res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
            res.write('event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"about to vanish"}}\n\n');
            await sleep(50);
            return res.destroy();
        case 'cut-json': {
            // Promises a JSON body, sends the start of it, then drops the connection.
            const body = '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"never finished"}]}}';
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
            res.write(body.slice(0, 20));
            await sleep(50);
            return res.destroy();
        }
        case 'huge-json':
            // A complete, valid JSON-RPC answer of 64 KiB (larger than a small gateway bound on upstream answers).
            res.writeHead(200, { 'content-type': 'application/json' });
            return res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'x'.repeat(65536) }] } }));
        case 'hang':
            return; // never answer; the socket stays open until the client gives up
        default:
            res.writeHead(500, { 'content-type': 'text/plain' });
            return res.end(`fixture: unknown fault mode ${current.mode}`);
    }
}

function takeFault() {
    if (!fault) return null;
    const current = fault;
    if (fault.remaining !== undefined && --fault.remaining <= 0) fault = null;
    return current;
}

const FAULT_MODES = ['http-error', 'garbage-json', 'garbage-sse', 'close-mid-stream', 'cut-json', 'huge-json', 'hang'];

function json(res, status, value) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
}

function rpcError(status, code, message) {
    return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
        status, headers: { 'content-type': 'application/json' }
    });
}

// Resumable SSE for legacy sessions: every event a session sends is kept (ids are `<stream>_<n>`), so a client
// can resume a stream with GET + Last-Event-ID. One store per session; it lives as long as the session.
class MemoryEventStore {
    constructor() {
        this.events = [];   // { id, streamId, message }
        this.seq = 0;
    }
    async storeEvent(streamId, message) {
        const id = `${streamId}_${++this.seq}`;
        this.events.push({ id, streamId, message });
        return id;
    }
    async getStreamIdForEventId(eventId) {
        return this.events.find(e => e.id === eventId)?.streamId;
    }
    async replayEventsAfter(lastEventId, { send }) {
        const index = this.events.findIndex(e => e.id === lastEventId);
        if (index < 0) throw new Error(`unknown event id ${lastEventId}`);
        const streamId = this.events[index].streamId;
        for (const e of this.events.slice(index + 1)) {
            if (e.streamId === streamId) await send(e.id, e.message);
        }
        return streamId;
    }
}

async function handleLegacy(request) {
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
        const session = legacySessions.get(sessionId);
        if (!session) return rpcError(404, -32001, 'Session not found');
        return session.transport.handleRequest(request);
    }
    if (request.method !== 'POST') return rpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    // No session yet: only an initialize may open one; the transport rejects anything else itself.
    const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: new MemoryEventStore(),
        retryInterval: 200,
        onsessioninitialized: (id) => { legacySessions.set(id, { transport, server: mcp }); },
        onsessionclosed: (id) => { legacySessions.delete(id); }
    });
    transport.onclose = () => { if (transport.sessionId) legacySessions.delete(transport.sessionId); };
    const mcp = buildServer({ era: 'legacy' });
    await mcp.connect(transport);
    return transport.handleRequest(request);
}

// Deprecated HTTP+SSE (2024-11-05): a minimal Transport over one SSE response plus POSTed messages.
class HttpSseTransport {
    constructor(res, endpoint) {
        this.res = res;
        this.sessionId = randomUUID();
        this.endpoint = `${endpoint}?sessionId=${this.sessionId}`;
    }
    async start() {
        this.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        this.res.write(`event: endpoint\ndata: ${this.endpoint}\n\n`);
        this.res.on('close', () => { sseSessions.delete(this.sessionId); this.onclose?.(); });
    }
    async send(message) {
        this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    }
    async close() {
        this.res.end();
    }
}

async function handleSseOpen(res) {
    const transport = new HttpSseTransport(res, '/messages');
    sseSessions.set(transport.sessionId, transport);
    const mcp = buildServer({ era: 'legacy' });
    await mcp.connect(transport);
}

function handleSseMessage(body, res, url) {
    const transport = sseSessions.get(url.searchParams.get('sessionId') ?? '');
    if (!transport) return json(res, 404, { jsonrpc: '2.0', error: { code: -32001, message: 'Unknown sessionId' }, id: null });
    let message;
    try {
        message = JSON.parse(body.toString('utf8'));
    } catch {
        return json(res, 400, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
    }
    res.writeHead(202).end('Accepted');
    transport.onmessage?.(message);
}

const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    try {
        if (url.pathname === '/_fixture/calls' && req.method === 'GET') return json(res, 200, Object.fromEntries(calls));
        if (url.pathname === '/_fixture/last-headers' && req.method === 'GET') return json(res, 200, lastHeaders);
        if (url.pathname === '/_fixture/fault' && req.method === 'POST') {
            const spec = JSON.parse((await readBody(req)).toString('utf8') || '{}');
            if (!FAULT_MODES.includes(spec.mode)) return json(res, 400, { error: `mode must be one of ${FAULT_MODES.join(', ')}` });
            fault = { mode: spec.mode, status: spec.status, remaining: spec.count };
            return json(res, 200, { armed: fault });
        }
        if (url.pathname === '/_fixture/fault' && req.method === 'DELETE') {
            fault = null;
            return json(res, 200, { armed: null });
        }
        if (url.pathname === '/_fixture/config' && req.method === 'POST') {
            const spec = JSON.parse((await readBody(req)).toString('utf8') || '{}');
            if (spec.toolsPageSize !== undefined) toolsPageSize = Math.max(0, Number(spec.toolsPageSize) || 0);
            if (spec.toolDescriptions !== undefined) toolDescriptions = { ...spec.toolDescriptions };
            if (spec.extraTools !== undefined) extraTools = Array.isArray(spec.extraTools) ? spec.extraTools : [];
            return json(res, 200, { toolsPageSize, toolDescriptions, extraTools });
        }
        if (url.pathname === '/_fixture/reset' && req.method === 'POST') {
            calls.clear();
            requestLog.length = 0;
            lastHeaders = {};
            fault = null;
            toolsPageSize = 0;
            toolDescriptions = {};
            extraTools = [];
            return json(res, 200, { reset: true });
        }
        if (url.pathname === '/_fixture/health') return json(res, 200, { status: 'up', eras: ERAS });
        if (url.pathname === '/_fixture/requests' && req.method === 'GET') return json(res, 200, requestLog);

        const served = (url.pathname === MCP_PATH && SERVES_MCP)
            || ((url.pathname === '/sse' || url.pathname === '/messages') && SERVES_SSE);
        if (!served) {
            return json(res, 404, { error: `no route for ${url.pathname}` });
        }
        lastHeaders = { ...req.headers };
        if (url.pathname === MCP_PATH) {
            const current = takeFault();
            if (current) {
                await readBody(req);
                return misbehave(res, current);
            }
        }

        const body = await readBody(req);
        const abort = new AbortController();
        res.on('close', () => { if (!res.writableFinished) abort.abort(); });
        const request = toWebRequest(req, body, abort.signal);
        const rejected = hostHeaderValidationResponse(request, localhostAllowedHostnames())
            ?? originValidationResponse(request, localhostAllowedOrigins());
        if (rejected) return sendWebResponse(res, rejected);

        if (url.pathname === '/sse') {
            logRequest(req.method, url.pathname + url.search, Buffer.alloc(0));
            if (req.method !== 'GET') return json(res, 405, { error: 'GET only' });
            return handleSseOpen(res);
        }
        if (url.pathname === '/messages') {
            if (req.method !== 'POST') return json(res, 405, { error: 'POST only' });
            return handleSseMessage(body, res, url);
        }
        const legacy = ERAS === 'legacy' || (ERAS === 'dual' && await isLegacyRequest(request));
        logRequest(req.method, url.pathname + url.search, body);
        const response = legacy ? await handleLegacy(request) : await modernHandler.fetch(request);
        return sendWebResponse(res, response);
    } catch (e) {
        debug('http', e);
        if (!res.headersSent) json(res, 500, { jsonrpc: '2.0', error: { code: -32603, message: String(e?.message ?? e) }, id: null });
        else res.end();
    }
});

server.listen(PORT, HOST, () => {
    const port = server.address().port;
    process.stdout.write(`FIXTURE_LISTENING port=${port} url=http://${HOST}:${port}${MCP_PATH}\n`);
});

function shutdown() {
    server.close();
    modernHandler.close().catch(() => {});
    process.exit(0);
}
process.on('SIGTERM', shutdown);
// A test fixture must outlive a misbehaving client: log stray async errors instead of dying on them.
process.on('unhandledRejection', (e) => debug('unhandled', e));
process.on('SIGINT', shutdown);
