// chat-client workload for Java (workloads/chat-client/README.md): an OpenAI-style chat-completions
// client on the JDK's java.net.http.HttpClient (HTTP/1.1, one shared client) with Gson, C platform
// threads each calling the blocking client.send for its next request.
//
// Connections: the JDK's HTTP/1.1 keep-alive pool has no size limit, but a connection is only
// taken for one exchange at a time and each of the C threads has at most one exchange in flight,
// so at most C connections are in use at once (idle ones are reused; the pool's idle timeout,
// jdk.httpclient.keepalive.timeout, keeps its default, far longer than a run).
//
// Timeouts: HttpRequest.timeout covers an attempt until its response headers arrive (the JDK
// cancels its timer then), and the connect timeout the connection. A plain answer's body comes
// with its headers; a stream's body is read under a deadline of its own (a watcher closes the
// body's InputStream, which makes the blocked read fail), so every attempt has timeout_ms to be
// answered whole. The deadline is per attempt: a retry after a 429 gets timeout_ms afresh.

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

public class Main {
    public static void main(String[] args) {
        // Runner.Params reads integers only; the base URL is a string, taken from the arguments
        // here (outside the timed region) and read by run() below.
        for (String arg : args) {
            if (arg.startsWith("base=")) {
                baseArgument = arg.substring("base=".length());
            }
        }
        Runner.main(args, Main::run);
    }

    private static String baseArgument;

    /** One Gson for the process, as an application keeps it (it caches the type adapters). */
    private static final Gson GSON = new GsonBuilder().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).create();

    // The request and the parts of the answers the client reads, as typed classes mapped by
    // Gson's reflection (members the classes do not declare are skipped by the parser).
    static final class Message {
        String content;
        String role;

        Message(String content, String role) {
            this.content = content;
            this.role = role;
        }
    }

    static final class ChatRequest {
        int maxTokens;
        List<Message> messages;
        String model;
        boolean stream;
    }

    static final class Choice {
        Message message;
    }

    static final class ChatResponse {
        List<Choice> choices;
    }

    static final class Delta {
        String content;
    }

    static final class ChunkChoice {
        Delta delta;
    }

    static final class Chunk {
        List<ChunkChoice> choices;
    }

    // The outcomes of one attempt; LIMITED is a 429, retried while retries are left.
    private static final int OK = 0, STATUS = 1, MALFORMED = 2, TIMEOUT = 3, CONNECT = 4, LIMITED = 5;

    /** What a phase sends: one HttpRequest (immutable, reused by every send) and how to check its answers. */
    private static final class Phase {
        final String name;
        final int count;
        final boolean stream;
        final HttpRequest request;

        Phase(String name, int count, boolean stream, HttpRequest request) {
            this.name = name;
            this.count = count;
            this.stream = stream;
            this.request = request;
        }
    }

    /** A growable list of longs (latencies in microseconds). */
    private static final class Longs {
        long[] values = new long[64];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        void addAll(Longs other) {
            for (int i = 0; i < other.size; i++) {
                add(other.values[i]);
            }
        }
    }

    /** One worker's counts for a phase (merged after the phase, so workers share nothing). */
    private static final class Stats {
        long requests, ok, status, malformed, timeout, connect, retries, bytes, tokens;
        int checksum;
        long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
        final Longs latencies = new Longs();
        final Longs ttfbs = new Longs();

        void merge(Stats o) {
            requests += o.requests;
            ok += o.ok;
            status += o.status;
            malformed += o.malformed;
            timeout += o.timeout;
            connect += o.connect;
            retries += o.retries;
            bytes += o.bytes;
            tokens += o.tokens;
            checksum += o.checksum;
            first = Math.min(first, o.first);
            last = Math.max(last, o.last);
            latencies.addAll(o.latencies);
            ttfbs.addAll(o.ttfbs);
        }
    }

    /** The per-request state an attempt fills in: the answer's h and the stream's first-token time. */
    private static final class Answer {
        int h;
        long ttfb;
        long waitMs;
    }

    private static HttpClient client;
    private static long timeoutMs;
    private static int tokens;
    private static int contentLength;
    private static int retries;
    // Closes a stream's body when its deadline passes; one daemon thread for the process.
    private static ScheduledThreadPoolExecutor watcher;

    static String run(Runner.Params p) {
        String base = baseArgument;
        if (base == null) {
            throw new IllegalArgumentException("missing parameter base");
        }
        int concurrency = (int) p.integer("concurrency");
        int warmup = (int) p.integer("warmup");
        int requests = (int) p.integer("requests");
        int streams = (int) p.integer("streams");
        tokens = (int) p.integer("tokens");
        contentLength = (int) p.integer("content");
        int probe = (int) p.integer("probe");
        retries = (int) p.integer("retries");
        timeoutMs = p.integer("timeout_ms");
        if (concurrency < 1 || warmup < 0 || requests < 0 || streams < 0 || tokens < 0 || contentLength < 0 || probe < 0
                || retries < 0 || timeoutMs < 1) {
            throw new IllegalArgumentException("parameters out of range");
        }

        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(timeoutMs))
                .build();
        watcher = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "deadline");
            t.setDaemon(true);
            return t;
        });
        watcher.setRemoveOnCancelPolicy(true);

        String content = "Hello, world! ".repeat(contentLength / 14 + 1).substring(0, contentLength);
        String url = base + "/v1/chat/completions";
        String[] names = {"warmup", "chat", "stream", "rate", "error", "malformed"};
        int[] counts = {warmup, requests, streams, probe, probe, probe};
        String[] routes = {url, url, url, url + ":rate", url + ":error", url + ":malformed"};
        StringBuilder report = new StringBuilder();
        Stats chat = null, stream = null;
        for (int i = 0; i < names.length; i++) {
            boolean isStream = names[i].equals("stream");
            // The body is serialised once per phase and reused by all of its requests.
            ChatRequest body = new ChatRequest();
            body.maxTokens = isStream ? tokens : 16;
            body.messages = List.of(new Message("You are a benchmark.", "system"), new Message(content, "user"));
            body.model = "bm-echo";
            body.stream = isStream;
            byte[] json = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
            HttpRequest request = HttpRequest.newBuilder(URI.create(routes[i]))
                    .timeout(Duration.ofMillis(timeoutMs))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json))
                    .build();
            Stats s = runPhase(new Phase(names[i], counts[i], isStream, request), concurrency);
            line(report, names[i], s);
            if (i == 1) {
                chat = s;
            } else if (i == 2) {
                stream = s;
            }
        }
        latencies(report, "lat chat", chat.latencies);
        latencies(report, "lat stream", stream.latencies);
        latencies(report, "ttfb stream", stream.ttfbs);
        watcher.shutdownNow();
        return report.toString();
    }

    /** Runs a phase's requests on min(C, count) platform threads, each taking the next request when its answer is complete. */
    private static Stats runPhase(Phase phase, int concurrency) {
        int workers = Math.min(concurrency, phase.count);
        AtomicInteger next = new AtomicInteger();
        Stats[] stats = new Stats[workers];
        Thread[] threads = new Thread[workers];
        Throwable[] failure = new Throwable[1];
        for (int w = 0; w < workers; w++) {
            Stats s = stats[w] = new Stats();
            threads[w] = new Thread(() -> {
                try {
                    while (next.getAndIncrement() < phase.count) {
                        request(phase, s);
                    }
                } catch (Throwable t) {
                    synchronized (failure) {
                        if (failure[0] == null) {
                            failure[0] = t;
                        }
                    }
                }
            }, "worker-" + w);
        }
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException("interrupted", e);
            }
        }
        if (failure[0] != null) {
            throw new IllegalStateException("worker failed: " + failure[0], failure[0]);
        }
        Stats total = new Stats();
        for (Stats s : stats) {
            total.merge(s);
        }
        if (total.first == Long.MAX_VALUE) {
            total.first = total.last = 0;
        }
        return total;
    }

    /** One request: attempts until it is answered or its 429 retries are used up. */
    private static void request(Phase phase, Stats s) throws InterruptedException {
        Answer answer = new Answer();
        long start = System.nanoTime();
        int outcome;
        int retried = 0;
        while (true) {
            outcome = phase.stream ? streamAttempt(phase, s, answer) : plainAttempt(phase, s, answer);
            if (outcome != LIMITED || retried == retries) {
                break;
            }
            retried++;
            s.retries++;
            if (answer.waitMs > 0) {
                Thread.sleep(answer.waitMs);
            }
        }
        long end = System.nanoTime();
        s.requests++;
        s.first = Math.min(s.first, start);
        s.last = Math.max(s.last, end);
        switch (outcome) {
            case OK:
                s.ok++;
                s.checksum += answer.h;
                s.latencies.add((end - start) / 1000);
                if (phase.stream) {
                    s.tokens += tokens;
                    s.ttfbs.add((answer.ttfb - start) / 1000);
                }
                break;
            case STATUS:
            case LIMITED:
                s.status++;
                break;
            case MALFORMED:
                s.malformed++;
                break;
            case TIMEOUT:
                s.timeout++;
                break;
            default:
                s.connect++;
                break;
        }
    }

    /** The wait a 429 asks for: retry-after-ms milliseconds, else Retry-After seconds, else none. */
    private static long retryWait(HttpHeaders headers) {
        Optional<String> ms = headers.firstValue("retry-after-ms");
        if (ms.isPresent()) {
            try {
                return (long) Math.ceil(Double.parseDouble(ms.get().trim()));
            } catch (NumberFormatException e) {
                // fall back to Retry-After
            }
        }
        Optional<String> secs = headers.firstValue("retry-after");
        if (secs.isPresent()) {
            try {
                return Long.parseLong(secs.get().trim()) * 1000;
            } catch (NumberFormatException e) {
                // an HTTP date or garbage: retry at once
            }
        }
        return 0;
    }

    private static int plainAttempt(Phase phase, Stats s, Answer answer) throws InterruptedException {
        HttpResponse<byte[]> response;
        try {
            response = client.send(phase.request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            return TIMEOUT;
        } catch (IOException e) {
            return CONNECT;
        }
        byte[] body = response.body();
        s.bytes += body.length;
        int code = response.statusCode();
        if (code == 429) {
            answer.waitMs = retryWait(response.headers());
            return LIMITED;
        }
        if (code != 200) {
            return STATUS;
        }
        ChatResponse parsed;
        try {
            parsed = GSON.fromJson(new String(body, StandardCharsets.UTF_8), ChatResponse.class);
        } catch (JsonParseException e) {
            return MALFORMED;
        }
        if (parsed == null || parsed.choices == null || parsed.choices.isEmpty() || parsed.choices.get(0) == null
                || parsed.choices.get(0).message == null || parsed.choices.get(0).message.content == null) {
            return MALFORMED;
        }
        long h = echoHash(parsed.choices.get(0).message.content);
        if (h < 0) {
            return MALFORMED;
        }
        answer.h = (int) h;
        return OK;
    }

    /** h from "echo n=<n> fnv=<8 hex>" with n the payload's length, or -1 for any other text. */
    private static long echoHash(String text) {
        String prefix = "echo n=" + contentLength + " fnv=";
        if (!text.startsWith(prefix) || text.length() != prefix.length() + 8) {
            return -1;
        }
        return hex8(text, prefix.length());
    }

    /** The 8 lower- or upper-case hex digits at text[at..at+8] as an unsigned number, or -1. */
    private static long hex8(String text, int at) {
        if (text.length() < at + 8) {
            return -1;
        }
        long v = 0;
        for (int i = at; i < at + 8; i++) {
            int d = Character.digit(text.charAt(i), 16);
            if (d < 0) {
                return -1;
            }
            v = v * 16 + d;
        }
        return v;
    }

    private static int streamAttempt(Phase phase, Stats s, Answer answer) throws InterruptedException {
        long attemptStart = System.nanoTime();
        HttpResponse<InputStream> response;
        try {
            response = client.send(phase.request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            return TIMEOUT;
        } catch (IOException e) {
            return CONNECT;
        }
        InputStream in = response.body();
        AtomicBoolean expired = new AtomicBoolean();
        long remaining = attemptStart + timeoutMs * 1_000_000L - System.nanoTime();
        ScheduledFuture<?> deadline = watcher.schedule(() -> {
            expired.set(true);
            try {
                in.close();
            } catch (IOException e) {
                // closing is all the deadline does
            }
        }, Math.max(remaining, 0), TimeUnit.NANOSECONDS);
        try {
            int code = response.statusCode();
            if (code != 200) {
                // Read the error body whole, so its bytes are counted and the connection kept.
                s.bytes += in.readAllBytes().length;
                if (code == 429) {
                    answer.waitMs = retryWait(response.headers());
                    return LIMITED;
                }
                return STATUS;
            }
            return readEvents(in, s, answer);
        } catch (IOException e) {
            return expired.get() ? TIMEOUT : CONNECT;
        } finally {
            deadline.cancel(false);
            try {
                in.close();
            } catch (IOException e) {
                // already failed or finished
            }
        }
    }

    /**
     * Reads an SSE body chunk by chunk as it arrives: lines split on '\n' (a '\r' before it
     * dropped), `data:` lines gathered, a blank line ending an event. Each event but [DONE] is
     * parsed as a chunk and its delta content appended; [DONE] ends the stream, after which the
     * rest of the body is drained so the connection can be reused.
     */
    private static int readEvents(InputStream in, Stats s, Answer answer) throws IOException {
        byte[] buf = new byte[8192];
        byte[] line = new byte[1024];
        int lineLength = 0;
        StringBuilder data = new StringBuilder();
        boolean haveData = false;
        StringBuilder text = new StringBuilder();
        boolean done = false;
        boolean bad = false;
        answer.ttfb = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            s.bytes += n;
            if (done || bad) {
                continue;
            }
            for (int i = 0; i < n && !done && !bad; i++) {
                byte b = buf[i];
                if (b != '\n') {
                    if (lineLength == line.length) {
                        line = Arrays.copyOf(line, line.length * 2);
                    }
                    line[lineLength++] = b;
                    continue;
                }
                int len = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
                lineLength = 0;
                if (len == 0) {
                    if (!haveData) {
                        continue;
                    }
                    String event = data.toString();
                    data.setLength(0);
                    haveData = false;
                    if (event.equals("[DONE]")) {
                        done = true;
                        break;
                    }
                    Chunk chunk;
                    try {
                        chunk = GSON.fromJson(event, Chunk.class);
                    } catch (JsonParseException e) {
                        bad = true;
                        break;
                    }
                    if (chunk == null || chunk.choices == null || chunk.choices.isEmpty() || chunk.choices.get(0) == null
                            || chunk.choices.get(0).delta == null) {
                        bad = true;
                        break;
                    }
                    String delta = chunk.choices.get(0).delta.content;
                    if (delta != null && !delta.isEmpty()) {
                        if (answer.ttfb == 0) {
                            answer.ttfb = System.nanoTime();
                        }
                        text.append(delta);
                    }
                } else {
                    String l = new String(line, 0, len, StandardCharsets.UTF_8);
                    if (l.startsWith("data:")) {
                        if (haveData) {
                            data.append('\n');
                        }
                        data.append(l, l.startsWith("data: ") ? 6 : 5, l.length());
                        haveData = true;
                    }
                    // Other fields (event:, id:, retry:) and comments do not occur here and are ignored.
                }
            }
        }
        if (bad || !done) {
            return MALFORMED;
        }
        // The concatenated deltas must be "<h>:0 <h>:1 ... <h>:<T-1> " with one h throughout.
        String all = text.toString();
        long h = hex8(all, 0);
        if (h < 0 || answer.ttfb == 0) {
            return MALFORMED;
        }
        String hs = all.substring(0, 8);
        StringBuilder expected = new StringBuilder(all.length());
        for (int i = 0; i < tokens; i++) {
            expected.append(hs).append(':').append(i).append(' ');
        }
        if (!expected.toString().contentEquals(all)) {
            return MALFORMED;
        }
        answer.h = (int) h;
        return OK;
    }

    private static void line(StringBuilder out, String name, Stats s) {
        out.append("phase ").append(name)
                .append(" requests=").append(s.requests)
                .append(" ok=").append(s.ok)
                .append(" status=").append(s.status)
                .append(" malformed=").append(s.malformed)
                .append(" timeout=").append(s.timeout)
                .append(" connect=").append(s.connect)
                .append(" retries=").append(s.retries)
                .append(" bytes=").append(s.bytes)
                .append(" tokens=").append(s.tokens)
                .append(" checksum=").append(String.format("%08x", s.checksum))
                .append(" ns=").append(s.last - s.first)
                .append('\n');
    }

    /** The latencies as lines of at most 1000 numbers, each line starting with the label; none when there are none. */
    private static void latencies(StringBuilder out, String label, Longs values) {
        for (int i = 0; i < values.size; i += 1000) {
            out.append(label);
            for (int j = i; j < Math.min(values.size, i + 1000); j++) {
                out.append(' ').append(values.values[j]);
            }
            out.append('\n');
        }
    }
}
