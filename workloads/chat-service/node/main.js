// chat-service in Node.js: the built-in `http` server on one event loop, JSON.parse and
// JSON.stringify for the bodies. The protocol: runners/SERVICE.md; what is computed:
// workloads/chat-service/README.md. The runner is not loaded: a service has no timed iterations.
'use strict';
const http = require('http');

const MAX_BODY = 1 << 20;
const CREATED = 1700000000;

function fnv1a(buf) {
    let h = 2166136261;
    for (let i = 0; i < buf.length; i++) {
        h = Math.imul(h ^ buf[i], 16777619) >>> 0;
    }
    return h.toString(16).padStart(8, '0');
}

function reply(res, status, type, body, extra) {
    const headers = Object.assign({ 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) }, extra || {});
    res.writeHead(status, headers);
    res.end(body);
}

function error(res, status, message, type, extra) {
    reply(res, status, 'application/json', JSON.stringify({ error: { message, type } }), extra);
}

const sleep = (us) => new Promise((resolve) => setTimeout(resolve, us / 1000));
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function stream(res, h, tokens, delayUs) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    for (let i = 0; i < tokens; i++) {
        if (delayUs > 0) await sleep(delayUs);
        if (res.destroyed) return;
        const event = { choices: [{ delta: { content: h + ':' + i + ' ' }, finish_reason: null, index: 0 }], id: 'chatcmpl-bm', object: 'chat.completion.chunk' };
        res.write('data: ' + JSON.stringify(event) + '\n\n');
        // Back to the event loop, so this event leaves on its own before the next one is made.
        await tick();
    }
    const end = { choices: [{ delta: {}, finish_reason: 'stop', index: 0 }], id: 'chatcmpl-bm', object: 'chat.completion.chunk' };
    res.write('data: ' + JSON.stringify(end) + '\n\n');
    await tick();
    res.write('data: [DONE]\n\n');
    res.end();
}

function chat(res, body) {
    let req;
    try {
        req = JSON.parse(body.toString('utf8'));
    } catch (e) {
        req = null;
    }
    const messages = req && typeof req === 'object' ? req.messages : undefined;
    const last = Array.isArray(messages) && messages.length > 0 ? messages[messages.length - 1] : undefined;
    if (!last || typeof last !== 'object' || typeof last.content !== 'string') {
        return error(res, 400, 'malformed request', 'invalid_request_error');
    }
    let chars = 0;
    for (const m of messages) {
        if (m && typeof m.content === 'string') chars += Buffer.byteLength(m.content);
    }
    const promptTokens = Math.floor((chars + 3) / 4);
    const bytes = Buffer.from(last.content, 'utf8');
    const h = fnv1a(bytes);
    if (req.stream === true) {
        const tokens = typeof req.max_tokens === 'number' ? req.max_tokens : 16;
        const delay = typeof req.bm_delay_us === 'number' ? req.bm_delay_us : 0;
        stream(res, h, tokens, delay).catch(() => res.destroy());
        return;
    }
    const response = {
        choices: [{ finish_reason: 'stop', index: 0, message: { content: 'echo n=' + bytes.length + ' fnv=' + h, role: 'assistant' } }],
        created: CREATED,
        id: 'chatcmpl-bm',
        model: typeof req.model === 'string' ? req.model : '',
        object: 'chat.completion',
        usage: { completion_tokens: 3, prompt_tokens: promptTokens, total_tokens: promptTokens + 3 },
    };
    reply(res, 200, 'application/json', JSON.stringify(response));
}

function handle(req, res) {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c) => {
        size += c.length;
        if (size > MAX_BODY) tooLarge = true;
        else chunks.push(c);
    });
    req.on('end', () => {
        if (tooLarge) return error(res, 413, 'request too large', 'invalid_request_error');
        const path = req.url.split('?')[0];
        const body = Buffer.concat(chunks);
        if (req.method === 'GET' && path === '/healthz') return reply(res, 200, 'text/plain', 'ok');
        if (req.method === 'POST' && path === '/v1/chat/completions:rate') return error(res, 429, 'rate limited', 'rate_limit_error', { 'Retry-After': '1' });
        if (req.method === 'POST' && path === '/v1/chat/completions:error') return error(res, 500, 'internal error', 'server_error');
        if (req.method === 'POST' && path === '/v1/chat/completions') return chat(res, body);
        error(res, 404, 'not found', 'not_found_error');
    });
}

function main() {
    let port = null;
    for (const arg of process.argv.slice(2)) {
        const eq = arg.indexOf('=');
        if (eq < 0) {
            process.stderr.write('chat-service: argument `' + arg + '` is not key=value\n');
            process.exit(2);
        }
        if (arg.slice(0, eq) === 'port') port = Number(arg.slice(eq + 1));
    }
    if (port === null || !Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write('chat-service: missing or bad parameter port\n');
        process.exit(2);
    }
    const server = http.createServer(handle);
    server.keepAliveTimeout = 60000;
    server.on('connection', (s) => s.setNoDelay(true));
    server.listen(port, '127.0.0.1', () => {
        process.stdout.write('#bm listening ' + server.address().port + '\n');
    });
    process.on('SIGTERM', () => {
        server.close();
        // Written synchronously to the pipe's fd so it is out before exit.
        require('fs').writeSync(1, '#bm done\n');
        process.exit(0);
    });
}

main();
