<?php
// chat-service in PHP: stream_socket_server + stream_select in one process and one thread, a
// minimal HTTP/1.1 reader (Content-Length bodies, keep-alive), json_decode/json_encode. A
// stream writes one event per turn of the loop and makes the next only once that one is out.
// The protocol: runners/SERVICE.md; what is computed: workloads/chat-service/README.md. The
// runner is not loaded: a service has no timed iterations.

declare(strict_types=1);

const MAX_BODY = 1 << 20;
const CREATED = 1700000000;
const REASONS = [200 => 'OK', 400 => 'Bad Request', 404 => 'Not Found', 413 => 'Payload Too Large', 429 => 'Too Many Requests', 500 => 'Internal Server Error'];

function fnv1a(string $s): string
{
    $h = 2166136261;
    $n = strlen($s);
    for ($i = 0; $i < $n; $i++) {
        $h = (($h ^ ord($s[$i])) * 16777619) & 0xFFFFFFFF;
    }
    return sprintf('%08x', $h);
}

function head(int $status, array $headers): string
{
    $out = "HTTP/1.1 $status " . REASONS[$status] . "\r\n";
    foreach ($headers as $k => $v) {
        $out .= "$k: $v\r\n";
    }
    return $out . "\r\n";
}

function plain(int $status, string $type, string $body, array $extra = []): string
{
    return head($status, ['Content-Type' => $type, 'Content-Length' => strlen($body)] + $extra) . $body;
}

function error_reply(int $status, string $message, string $type, array $extra = []): string
{
    return plain($status, 'application/json', json_encode(['error' => ['message' => $message, 'type' => $type]]), $extra);
}

function chunk(string $data): string
{
    return dechex(strlen($data)) . "\r\n" . $data . "\r\n";
}

function event(array $delta, ?string $finish): string
{
    $e = ['choices' => [['delta' => (object) $delta, 'finish_reason' => $finish, 'index' => 0]], 'id' => 'chatcmpl-bm', 'object' => 'chat.completion.chunk'];
    return chunk('data: ' . json_encode($e) . "\n\n");
}

/** The reply to a chat request: a string, or a stream state array. */
function chat(string $body)
{
    $req = json_decode($body, true);
    $messages = is_array($req) ? ($req['messages'] ?? null) : null;
    if (!is_array($messages) || !array_is_list($messages) || count($messages) === 0) {
        return error_reply(400, 'malformed request', 'invalid_request_error');
    }
    $last = $messages[count($messages) - 1];
    if (!is_array($last) || !is_string($last['content'] ?? null)) {
        return error_reply(400, 'malformed request', 'invalid_request_error');
    }
    $chars = 0;
    foreach ($messages as $m) {
        if (is_array($m) && is_string($m['content'] ?? null)) {
            $chars += strlen($m['content']);
        }
    }
    $prompt = intdiv($chars + 3, 4);
    $h = fnv1a($last['content']);
    if (($req['stream'] ?? false) === true) {
        $tokens = is_int($req['max_tokens'] ?? null) ? $req['max_tokens'] : 16;
        $delay = is_int($req['bm_delay_us'] ?? null) ? $req['bm_delay_us'] : 0;
        return ['h' => $h, 'i' => 0, 'tokens' => $tokens, 'delay' => $delay, 'due' => hrtime(true) + $delay * 1000];
    }
    $model = $req['model'] ?? '';
    $resp = [
        'choices' => [['finish_reason' => 'stop', 'index' => 0, 'message' => ['content' => 'echo n=' . strlen($last['content']) . " fnv=$h", 'role' => 'assistant']]],
        'created' => CREATED,
        'id' => 'chatcmpl-bm',
        'model' => is_string($model) ? $model : '',
        'object' => 'chat.completion',
        'usage' => ['completion_tokens' => 3, 'prompt_tokens' => $prompt, 'total_tokens' => $prompt + 3],
    ];
    return plain(200, 'application/json', json_encode($resp));
}

function route(string $method, string $path, string $body)
{
    if ($method === 'GET' && $path === '/healthz') return plain(200, 'text/plain', 'ok');
    if ($method === 'POST' && $path === '/v1/chat/completions:rate') return error_reply(429, 'rate limited', 'rate_limit_error', ['Retry-After' => '1']);
    if ($method === 'POST' && $path === '/v1/chat/completions:error') return error_reply(500, 'internal error', 'server_error');
    if ($method === 'POST' && $path === '/v1/chat/completions') return chat($body);
    return error_reply(404, 'not found', 'not_found_error');
}

$port = null;
foreach (array_slice($argv, 1) as $arg) {
    $eq = strpos($arg, '=');
    if ($eq === false) {
        fwrite(STDERR, "chat-service: argument `$arg` is not key=value\n");
        exit(2);
    }
    if (substr($arg, 0, $eq) === 'port') {
        $v = substr($arg, $eq + 1);
        $port = preg_match('/^[0-9]+$/', $v) === 1 ? (int) $v : -1;
    }
}
if ($port === null || $port < 0 || $port > 65535) {
    fwrite(STDERR, "chat-service: missing or bad parameter port\n");
    exit(2);
}
$server = stream_socket_server("tcp://127.0.0.1:$port", $errno, $errstr);
if ($server === false) {
    fwrite(STDERR, "chat-service: cannot listen on 127.0.0.1:$port: $errstr\n");
    exit(1);
}
stream_set_blocking($server, false);
$name = stream_socket_get_name($server, false);
$bound = (int) substr($name, strrpos($name, ':') + 1);

$stop = false;
pcntl_async_signals(true);
pcntl_signal(SIGTERM, function () use (&$stop) {
    $stop = true;
});
fwrite(STDOUT, "#bm listening $bound\n");
fflush(STDOUT);

// Per connection: in (unparsed bytes), out (bytes not yet written), stream (state or null), close.
$conns = [];
while (!$stop) {
    $read = [$server];
    $write = [];
    $timeout = null;
    $now = hrtime(true);
    foreach ($conns as $id => $c) {
        if ($c['stream'] === null) $read[] = $c['sock'];
        if ($c['out'] !== '') {
            $write[] = $c['sock'];
        } elseif ($c['stream'] !== null) {
            $wait = max(0, $c['stream']['due'] - $now);
            $timeout = $timeout === null ? $wait : min($timeout, $wait);
        }
    }
    $except = null;
    $sec = $timeout === null ? null : intdiv($timeout, 1000000000);
    $usec = $timeout === null ? 0 : intdiv($timeout % 1000000000, 1000);
    $n = @stream_select($read, $write, $except, $sec, $usec);
    if ($n === false) {
        continue; // interrupted by a signal
    }
    foreach ($read as $sock) {
        if ($sock === $server) {
            $client = @stream_socket_accept($server, 0);
            if ($client !== false) {
                stream_set_blocking($client, false);
                $conns[(int) $client] = ['sock' => $client, 'in' => '', 'out' => '', 'stream' => null, 'close' => false];
            }
            continue;
        }
        $id = (int) $sock;
        $data = fread($sock, 65536);
        if ($data === '' || $data === false) {
            if (feof($sock)) {
                fclose($sock);
                unset($conns[$id]);
            }
            continue;
        }
        $conns[$id]['in'] .= $data;
    }
    foreach ($write as $sock) {
        $id = (int) $sock;
        if (!isset($conns[$id])) continue;
        $w = @fwrite($sock, $conns[$id]['out']);
        if ($w === false) {
            fclose($sock);
            unset($conns[$id]);
            continue;
        }
        $conns[$id]['out'] = (string) substr($conns[$id]['out'], $w);
    }
    $now = hrtime(true);
    foreach ($conns as $id => &$c) {
        if ($c['out'] !== '') continue;
        if ($c['stream'] !== null) {
            // One event per turn, once the previous one is out and its delay has passed.
            $s = &$c['stream'];
            if ($s['due'] > $now) continue;
            if ($s['i'] < $s['tokens']) {
                $c['out'] = event(['content' => $s['h'] . ':' . $s['i'] . ' '], null);
                $s['i']++;
                $s['due'] = $now + $s['delay'] * 1000;
            } elseif ($s['i'] === $s['tokens']) {
                $c['out'] = event([], 'stop');
                $s['i']++;
            } else {
                $c['out'] = chunk("data: [DONE]\n\n") . "0\r\n\r\n";
                unset($s);
                $c['stream'] = null;
            }
            unset($s);
            continue;
        }
        if ($c['close']) {
            fclose($c['sock']);
            unset($conns[$id]);
            continue;
        }
        $end = strpos($c['in'], "\r\n\r\n");
        if ($end === false) {
            if (strlen($c['in']) > 65536) {
                fclose($c['sock']);
                unset($conns[$id]);
            }
            continue;
        }
        $lines = explode("\r\n", substr($c['in'], 0, $end));
        $parts = explode(' ', $lines[0]);
        $length = 0;
        foreach (array_slice($lines, 1) as $line) {
            $colon = strpos($line, ':');
            if ($colon === false) continue;
            $k = strtolower(trim(substr($line, 0, $colon)));
            $v = trim(substr($line, $colon + 1));
            if ($k === 'content-length') $length = (int) $v;
            if ($k === 'connection' && strtolower($v) === 'close') $c['close'] = true;
        }
        if ($length > MAX_BODY) {
            $c['out'] = error_reply(413, 'request too large', 'invalid_request_error', ['Connection' => 'close']);
            $c['close'] = true;
            continue;
        }
        if (strlen($c['in']) < $end + 4 + $length) continue;
        $body = substr($c['in'], $end + 4, $length);
        $c['in'] = (string) substr($c['in'], $end + 4 + $length);
        $path = explode('?', $parts[1] ?? '')[0];
        $r = route($parts[0], $path, $body);
        if (is_string($r)) {
            $c['out'] = $r;
        } else {
            $c['out'] = head(200, ['Content-Type' => 'text/event-stream', 'Cache-Control' => 'no-cache', 'Transfer-Encoding' => 'chunked']);
            $c['stream'] = $r;
        }
    }
    unset($c);
}
fclose($server);
fwrite(STDOUT, "#bm done\n");
fflush(STDOUT);
exit(0);
