<?php
// chat-client workload for the PHP CLI (workloads/chat-client/README.md): an OpenAI-style
// chat-completions client on the curl extension's multi interface (curl_multi_*), json_encode
// and json_decode for the bodies.
//
// Concurrency model: one process, one thread, one multi handle driving C reusable easy handles
// (one per "worker"); the multi handle's connection cache keeps at most C keep-alive connections
// (CURLMOPT_MAX_HOST_CONNECTIONS = C). A worker whose answer is complete takes the next request
// of the phase; a worker that got a 429 parks until its retry is due, without holding up the
// others (the loop waits on curl no longer than the earliest due retry). The run line loads the
// extension with `-d extension=curl` (workload.toml [flags.php]), as the target runs `php -n`.

declare(strict_types=1);

require __DIR__ . '/runner.php';

const UNIT = 'Hello, world! ';

/** One phase's requests and what came back. */
final class Phase
{
    public int $ok = 0;
    public int $status = 0;
    public int $malformed = 0;
    public int $timeout = 0;
    public int $connect = 0;
    public int $retries = 0;
    public int $bytes = 0;
    public int $tokens = 0;
    public int $checksum = 0;
    public int $ns = 0;
    /** @var list<int> */
    public array $lat = [];
    /** @var list<int> */
    public array $ttfb = [];

    public function __construct(
        public string $name,
        public string $url,
        public string $body, // serialised once per phase, sent by every request of it
        public bool $stream,
        public bool $measured,
        public int $count,
    ) {
    }
}

/** A worker: one easy handle, and the state of the request it is doing. */
final class Worker
{
    // The request (across its attempts).
    public int $start = 0;
    public int $retries = 0;
    public bool $waiting = false; // parked after a 429
    public int $due = 0;

    // The current attempt.
    public int $code = 0;
    public string $body = ''; // plain answers, and the bodies of non-200 stream answers
    public ?float $retryMs = null;
    public ?float $retryS = null;

    // The stream parser's state.
    public string $line = ''; // the incomplete line so far
    public string $data = ''; // the current event's data lines
    public bool $inEvent = false;
    public string $content = ''; // the deltas concatenated
    public bool $done = false;
    public bool $bad = false;
    public int $firstToken = 0; // 0 until the first non-empty delta

    public function __construct(public CurlHandle $easy)
    {
    }

    public function resetAttempt(): void
    {
        $this->code = 0;
        $this->body = '';
        $this->retryMs = $this->retryS = null;
        $this->line = $this->data = $this->content = '';
        $this->inEvent = $this->done = $this->bad = false;
        $this->firstToken = 0;
    }
}

final class Client
{
    private CurlMultiHandle $multi;
    /** @var list<Worker> */
    private array $workers = [];
    /** @var array<int, Worker> by spl_object_id of the easy handle */
    private array $byHandle = [];
    private Phase $phase;
    private int $next = 0;
    private int $finished = 0;
    private int $inFlight = 0;

    public function __construct(int $concurrency, private int $maxRetries, int $timeoutMs, private int $tokens)
    {
        $this->multi = curl_multi_init();
        curl_multi_setopt($this->multi, CURLMOPT_MAX_HOST_CONNECTIONS, $concurrency);
        curl_multi_setopt($this->multi, CURLMOPT_MAXCONNECTS, $concurrency);
        for ($i = 0; $i < $concurrency; $i++) {
            $easy = curl_init();
            $w = new Worker($easy);
            curl_setopt_array($easy, [
                CURLOPT_HTTP_VERSION => CURL_HTTP_VERSION_1_1,
                // No "Expect: 100-continue" round trip for larger bodies: no other client waits for one.
                CURLOPT_HTTPHEADER => ['Content-Type: application/json', 'Expect:'],
                CURLOPT_POST => true,
                CURLOPT_TIMEOUT_MS => $timeoutMs,
                CURLOPT_NOSIGNAL => true,
                CURLOPT_HEADERFUNCTION => fn (CurlHandle $ch, string $h): int => $this->onHeader($w, $h),
                CURLOPT_WRITEFUNCTION => fn (CurlHandle $ch, string $d): int => $this->onBody($w, $d),
            ]);
            $this->workers[] = $w;
            $this->byHandle[spl_object_id($easy)] = $w;
        }
    }

    public function close(): void
    {
        foreach ($this->workers as $w) {
            curl_close($w->easy);
        }
        curl_multi_close($this->multi);
    }

    public function run(Phase $phase): void
    {
        $this->phase = $phase;
        $this->next = $this->finished = 0;
        $active = min($phase->count, count($this->workers));
        for ($i = 0; $i < $active; $i++) {
            curl_setopt_array($this->workers[$i]->easy, [CURLOPT_URL => $phase->url, CURLOPT_POSTFIELDS => $phase->body]);
        }
        $first = $last = hrtime(true);
        for ($i = 0; $i < $active; $i++) {
            $this->startRequest($this->workers[$i]);
        }
        while ($this->finished < $phase->count) {
            do {
                $mc = curl_multi_exec($this->multi, $running);
            } while ($mc === CURLM_CALL_MULTI_PERFORM);
            if ($mc !== CURLM_OK) {
                throw new RuntimeException('curl_multi_exec: ' . curl_multi_strerror($mc));
            }
            while (($msg = curl_multi_info_read($this->multi)) !== false) {
                if ($msg['msg'] !== CURLMSG_DONE) {
                    continue;
                }
                $easy = $msg['handle'];
                curl_multi_remove_handle($this->multi, $easy);
                $this->inFlight--;
                if ($this->finishAttempt($this->byHandle[spl_object_id($easy)], $msg['result'])) {
                    $last = hrtime(true);
                }
            }
            // Retries that are due go out now; the wait below is no longer than the next one.
            $now = hrtime(true);
            $waitNs = 1_000_000_000;
            foreach ($this->workers as $w) {
                if (!$w->waiting) {
                    continue;
                }
                if ($w->due <= $now) {
                    $w->waiting = false;
                    $this->send($w);
                    $waitNs = 0;
                } else {
                    $waitNs = min($waitNs, $w->due - $now);
                }
            }
            if ($this->finished >= $phase->count || $waitNs === 0) {
                continue;
            }
            if ($this->inFlight === 0) {
                // Nothing for curl to wait on (curl_multi_select would return at once): sleep
                // until the next retry is due.
                usleep(intdiv($waitNs, 1000) + 1);
            } elseif (curl_multi_select($this->multi, $waitNs / 1e9) === -1) {
                usleep(100);
            }
        }
        $phase->ns = $phase->count === 0 ? 0 : $last - $first;
    }

    private function send(Worker $w): void
    {
        $w->resetAttempt();
        $mc = curl_multi_add_handle($this->multi, $w->easy);
        if ($mc !== CURLM_OK) {
            throw new RuntimeException('curl_multi_add_handle: ' . curl_multi_strerror($mc));
        }
        $this->inFlight++;
    }

    private function startRequest(Worker $w): void
    {
        $this->next++;
        $w->retries = 0;
        $w->waiting = false;
        $w->start = hrtime(true);
        $this->send($w);
    }

    /** Header lines: the status line (every one, in case of an interim 1xx) and the two retry hints. */
    private function onHeader(Worker $w, string $header): int
    {
        $h = rtrim($header, "\r\n");
        if (str_starts_with($h, 'HTTP/')) {
            $parts = explode(' ', $h, 3);
            $w->code = (int) ($parts[1] ?? 0);
            $w->retryMs = $w->retryS = null;
        } elseif (($colon = strpos($h, ':')) !== false) {
            $name = strtolower(substr($h, 0, $colon));
            $value = trim(substr($h, $colon + 1));
            if (is_numeric($value) && (float) $value >= 0) {
                if ($name === 'retry-after-ms') {
                    $w->retryMs = (float) $value;
                } elseif ($name === 'retry-after') {
                    $w->retryS = (float) $value;
                }
            }
        }
        return strlen($header);
    }

    private function onBody(Worker $w, string $data): int
    {
        $n = strlen($data);
        $this->phase->bytes += $n;
        if ($this->phase->stream && $w->code === 200) {
            $this->feedSse($w, $data);
        } else {
            $w->body .= $data;
        }
        return $n;
    }

    /**
     * A stream's body, parsed line by line as it arrives (lines end in \n, an optional \r before
     * it is dropped; a blank line ends an event; only data: fields matter).
     */
    private function feedSse(Worker $w, string $data): void
    {
        $buf = $w->line . $data;
        $at = 0;
        while (($nl = strpos($buf, "\n", $at)) !== false) {
            $line = substr($buf, $at, $nl - $at);
            $at = $nl + 1;
            if (str_ends_with($line, "\r")) {
                $line = substr($line, 0, -1);
            }
            if ($line === '') {
                if ($w->inEvent) {
                    $this->onEvent($w);
                }
                $w->data = '';
                $w->inEvent = false;
            } elseif (str_starts_with($line, 'data:')) {
                $value = substr($line, str_starts_with($line, 'data: ') ? 6 : 5);
                $w->data = $w->inEvent ? $w->data . "\n" . $value : $value;
                $w->inEvent = true;
            }
        }
        $w->line = substr($buf, $at);
    }

    /**
     * One complete SSE event's data: "[DONE]" ends the stream, anything else is a JSON chunk
     * whose choices[0].delta.content (absent in the finish event) is appended.
     */
    private function onEvent(Worker $w): void
    {
        if ($w->done) {
            $w->bad = true; // nothing may follow [DONE]
            return;
        }
        if ($w->data === '[DONE]') {
            $w->done = true;
            return;
        }
        try {
            $event = json_decode($w->data, true, 512, JSON_THROW_ON_ERROR);
        } catch (JsonException) {
            $w->bad = true;
            return;
        }
        $delta = is_array($event) ? ($event['choices'][0]['delta'] ?? null) : null;
        if (!is_array($delta)) {
            $w->bad = true;
            return;
        }
        if (!array_key_exists('content', $delta)) {
            return;
        }
        $piece = $delta['content'];
        if (!is_string($piece)) {
            $w->bad = true;
            return;
        }
        if ($piece !== '' && $w->firstToken === 0) {
            $w->firstToken = hrtime(true);
        }
        $w->content .= $piece;
    }

    /** A plain answer: choices[0].message.content is "echo n=<n> fnv=<8 hex>"; returns h or null. */
    private static function checkPlain(string $body): ?int
    {
        try {
            $answer = json_decode($body, true, 512, JSON_THROW_ON_ERROR);
        } catch (JsonException) {
            return null;
        }
        $content = is_array($answer) ? ($answer['choices'][0]['message']['content'] ?? null) : null;
        if (!is_string($content) || preg_match('/^echo n=[0-9]+ fnv=([0-9a-fA-F]{8})$/D', $content, $m) !== 1) {
            return null;
        }
        return hexdec($m[1]);
    }

    /** A finished stream: [DONE] seen, every event parsed, the deltas exactly "<h>:0 ... <h>:<T-1> "; returns h or null. */
    private function checkStream(Worker $w): ?int
    {
        if ($w->bad || !$w->done || $w->line !== '' || $w->inEvent) {
            return null;
        }
        $hex = substr($w->content, 0, 8);
        if (strlen($hex) !== 8 || strspn($hex, '0123456789abcdefABCDEF') !== 8) {
            return null;
        }
        $expected = '';
        for ($i = 0; $i < $this->tokens; $i++) {
            $expected .= "$hex:$i ";
        }
        return $w->content === $expected ? hexdec($hex) : null;
    }

    /** Returns true when the request is finished (false when a retry was scheduled). */
    private function finishAttempt(Worker $w, int $rc): bool
    {
        $p = $this->phase;
        if ($rc === CURLE_OK && $w->code === 429 && $w->retries < $this->maxRetries) {
            $w->retries++;
            $p->retries++;
            $ms = $w->retryMs ?? ($w->retryS !== null ? $w->retryS * 1000.0 : 0.0);
            $w->waiting = true;
            $w->due = hrtime(true) + (int) ($ms * 1e6);
            return false;
        }
        $h = null;
        if ($rc === CURLE_OPERATION_TIMEDOUT) {
            $p->timeout++;
        } elseif ($rc !== CURLE_OK) {
            $p->connect++;
        } elseif ($w->code !== 200) {
            $p->status++;
        } elseif (($h = $p->stream ? $this->checkStream($w) : self::checkPlain($w->body)) === null) {
            $p->malformed++;
        }
        if ($h !== null) {
            $end = hrtime(true);
            $p->ok++;
            $p->checksum = ($p->checksum + $h) & 0xFFFFFFFF;
            if ($p->stream) {
                $p->tokens += $this->tokens;
            }
            if ($p->measured) {
                $p->lat[] = intdiv($end - $w->start, 1000);
                if ($p->stream) {
                    $p->ttfb[] = intdiv($w->firstToken - $w->start, 1000);
                }
            }
        }
        $this->finished++;
        if ($this->next < $p->count) {
            $this->startRequest($w);
        }
        return true;
    }
}

function request_body(string $content, int $maxTokens, bool $stream): string
{
    // Keys in ascending order, which json_encode keeps (insertion order); the text has no '/'
    // or non-ASCII characters, the two things json_encode's default escaping would change.
    return json_encode([
        'max_tokens' => $maxTokens,
        'messages' => [['content' => 'You are a benchmark.', 'role' => 'system'], ['content' => $content, 'role' => 'user']],
        'model' => 'bm-echo',
        'stream' => $stream,
    ], JSON_THROW_ON_ERROR);
}

/** @param list<int> $values At most 1000 numbers per line; an empty list still gets its (empty) line. */
function numbers(string $label, array $values): string
{
    if ($values === []) {
        return "$label\n";
    }
    $out = '';
    foreach (array_chunk($values, 1000) as $chunk) {
        $out .= $label . ' ' . implode(' ', $chunk) . "\n";
    }
    return $out;
}

function run(BmParams $params): string
{
    if (!extension_loaded('curl')) {
        throw new RuntimeException('the curl extension is not loaded (run with -d extension=curl)');
    }
    $base = $params->str('base');
    $concurrency = $params->int('concurrency');
    $tokens = $params->int('tokens');
    $length = $params->int('content');
    $probe = $params->int('probe');
    if ($concurrency < 1) {
        throw new InvalidArgumentException('concurrency must be >= 1');
    }
    $content = substr(str_repeat(UNIT, intdiv($length, strlen(UNIT)) + 1), 0, $length);

    $chat = "$base/v1/chat/completions";
    $phases = [];
    foreach ([
        ['warmup', $chat, false, false, $params->int('warmup')],
        ['chat', $chat, false, true, $params->int('requests')],
        ['stream', $chat, true, true, $params->int('streams')],
        ['rate', "$chat:rate", false, false, $probe],
        ['error', "$chat:error", false, false, $probe],
        ['malformed', "$chat:malformed", false, false, $probe],
    ] as [$name, $url, $stream, $measured, $count]) {
        $phases[] = new Phase($name, $url, request_body($content, $stream ? $tokens : 16, $stream), $stream, $measured, $count);
    }

    $client = new Client($concurrency, $params->int('retries'), $params->int('timeout_ms'), $tokens);
    foreach ($phases as $p) {
        $client->run($p);
    }
    $client->close();

    $out = '';
    foreach ($phases as $p) {
        $out .= sprintf(
            "phase %s requests=%d ok=%d status=%d malformed=%d timeout=%d connect=%d retries=%d bytes=%d tokens=%d checksum=%08x ns=%d\n",
            $p->name, $p->count, $p->ok, $p->status, $p->malformed, $p->timeout, $p->connect, $p->retries, $p->bytes,
            $p->tokens, $p->checksum, $p->ns,
        );
    }
    return $out . numbers('lat chat', $phases[1]->lat) . numbers('lat stream', $phases[2]->lat)
        . numbers('ttfb stream', $phases[2]->ttfb);
}

bm_main('run');
