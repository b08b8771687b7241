// chat-service in Java: com.sun.net.httpserver.HttpServer on a fixed thread pool of 2 x cores,
// Gson (JsonParser, JsonObject) for the bodies. The protocol: runners/SERVICE.md; what is
// computed: workloads/chat-service/README.md. Runner.java is compiled alongside but not used.

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

public class Main {
    static final int MAX_BODY = 1 << 20;
    static final long CREATED = 1700000000L;
    static final Gson GSON = new Gson();

    static String fnv1a(byte[] data) {
        int h = 0x811c9dc5;
        for (byte b : data) {
            h = (h ^ (b & 0xff)) * 16777619;
        }
        return String.format("%08x", h);
    }

    static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    static void error(HttpExchange ex, int status, String message, String type) throws IOException {
        JsonObject inner = new JsonObject();
        inner.addProperty("message", message);
        inner.addProperty("type", type);
        JsonObject o = new JsonObject();
        o.add("error", inner);
        send(ex, status, "application/json", GSON.toJson(o));
    }

    /** The whole body, or null when it is over MAX_BODY. */
    static byte[] readBody(HttpExchange ex) throws IOException {
        InputStream in = ex.getRequestBody();
        byte[] buf = in.readNBytes(MAX_BODY + 1);
        in.close();
        return buf.length > MAX_BODY ? null : buf;
    }

    static JsonObject chunkEvent(JsonObject delta, String finish) {
        JsonObject choice = new JsonObject();
        choice.add("delta", delta);
        if (finish == null) choice.add("finish_reason", com.google.gson.JsonNull.INSTANCE);
        else choice.addProperty("finish_reason", finish);
        choice.addProperty("index", 0);
        JsonArray choices = new JsonArray();
        choices.add(choice);
        JsonObject o = new JsonObject();
        o.add("choices", choices);
        o.addProperty("id", "chatcmpl-bm");
        o.addProperty("object", "chat.completion.chunk");
        return o;
    }

    static void chat(HttpExchange ex, byte[] body) throws IOException {
        JsonObject req;
        JsonArray messages;
        String last;
        try {
            JsonElement root = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
            req = root.getAsJsonObject();
            messages = req.getAsJsonArray("messages");
            JsonElement c = messages.get(messages.size() - 1).getAsJsonObject().get("content");
            if (c == null || !c.isJsonPrimitive() || !c.getAsJsonPrimitive().isString()) throw new IllegalStateException("content");
            last = c.getAsString();
        } catch (RuntimeException e) {
            error(ex, 400, "malformed request", "invalid_request_error");
            return;
        }
        long chars = 0;
        for (JsonElement m : messages) {
            if (!m.isJsonObject()) continue;
            JsonElement c = m.getAsJsonObject().get("content");
            if (c != null && c.isJsonPrimitive() && c.getAsJsonPrimitive().isString()) chars += c.getAsString().getBytes(StandardCharsets.UTF_8).length;
        }
        long prompt = (chars + 3) / 4;
        byte[] data = last.getBytes(StandardCharsets.UTF_8);
        String h = fnv1a(data);
        JsonElement stream = req.get("stream");
        if (stream != null && stream.isJsonPrimitive() && stream.getAsJsonPrimitive().isBoolean() && stream.getAsBoolean()) {
            JsonElement mt = req.get("max_tokens");
            JsonElement dl = req.get("bm_delay_us");
            long tokens = mt != null && mt.isJsonPrimitive() && mt.getAsJsonPrimitive().isNumber() ? mt.getAsLong() : 16;
            long delay = dl != null && dl.isJsonPrimitive() && dl.getAsJsonPrimitive().isNumber() ? dl.getAsLong() : 0;
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0); // 0: chunked
            try (OutputStream out = ex.getResponseBody()) {
                for (long i = 0; i < tokens; i++) {
                    if (delay > 0) {
                        try {
                            Thread.sleep(delay / 1000, (int) (delay % 1000) * 1000);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    JsonObject delta = new JsonObject();
                    delta.addProperty("content", h + ":" + i + " ");
                    out.write(("data: " + GSON.toJson(chunkEvent(delta, null)) + "\n\n").getBytes(StandardCharsets.UTF_8));
                    // One chunk per event: the flush writes it before the next one is made.
                    out.flush();
                }
                out.write(("data: " + GSON.toJson(chunkEvent(new JsonObject(), "stop")) + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            return;
        }
        JsonObject message = new JsonObject();
        message.addProperty("content", "echo n=" + data.length + " fnv=" + h);
        message.addProperty("role", "assistant");
        JsonObject choice = new JsonObject();
        choice.addProperty("finish_reason", "stop");
        choice.addProperty("index", 0);
        choice.add("message", message);
        JsonArray choices = new JsonArray();
        choices.add(choice);
        JsonObject usage = new JsonObject();
        usage.addProperty("completion_tokens", 3);
        usage.addProperty("prompt_tokens", prompt);
        usage.addProperty("total_tokens", prompt + 3);
        JsonObject o = new JsonObject();
        o.add("choices", choices);
        o.addProperty("created", CREATED);
        o.addProperty("id", "chatcmpl-bm");
        JsonElement model = req.get("model");
        o.addProperty("model", model != null && model.isJsonPrimitive() ? model.getAsString() : "");
        o.addProperty("object", "chat.completion");
        o.add("usage", usage);
        send(ex, 200, "application/json", GSON.toJson(o));
    }

    static void handle(HttpExchange ex) throws IOException {
        try {
            byte[] body = readBody(ex);
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            if (body == null) error(ex, 413, "request too large", "invalid_request_error");
            else if (method.equals("GET") && path.equals("/healthz")) send(ex, 200, "text/plain", "ok");
            else if (method.equals("POST") && path.equals("/v1/chat/completions:rate")) {
                ex.getResponseHeaders().set("Retry-After", "1");
                error(ex, 429, "rate limited", "rate_limit_error");
            } else if (method.equals("POST") && path.equals("/v1/chat/completions:error")) error(ex, 500, "internal error", "server_error");
            else if (method.equals("POST") && path.equals("/v1/chat/completions")) chat(ex, body);
            else error(ex, 404, "not found", "not_found_error");
        } finally {
            ex.close();
        }
    }

    public static void main(String[] args) throws IOException {
        int port = -1;
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                System.err.println("chat-service: argument `" + arg + "` is not key=value");
                System.exit(2);
            }
            if (arg.substring(0, eq).equals("port")) {
                try {
                    port = Integer.parseInt(arg.substring(eq + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
        }
        if (port < 0 || port > 65535) {
            System.err.println("chat-service: missing or bad parameter port");
            System.exit(2);
        }
        // The JDK's server leaves Nagle's algorithm on unless told: a small response then waits
        // for the client's delayed ACK (about 40 ms). Every other server here sends at once.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        server.setExecutor(Executors.newFixedThreadPool(2 * Runtime.getRuntime().availableProcessors()));
        server.createContext("/", Main::handle);
        server.start();
        // SIGTERM through sun.misc.Signal: a shutdown hook would leave the JVM with status 143.
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> {
            System.out.print("#bm done\n");
            System.out.flush();
            Runtime.getRuntime().halt(0);
        });
        System.out.print("#bm listening " + server.getAddress().getPort() + "\n");
        System.out.flush();
    }
}
