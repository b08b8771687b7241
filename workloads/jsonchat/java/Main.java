// jsonchat workload for Java with Gson: build, serialise, parse and walk an OpenAI-style
// chat-completion request and response (workloads/jsonchat/README.md).
//
// The messages are typed classes mapped by Gson's reflection, as a Java API client declares
// them. Gson writes fields in declaration order (getDeclaredFields, which HotSpot returns in
// source order), so they are declared in ascending key order; snake_case keys come from
// FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES.

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.List;

public class Main {
    public static void main(String[] args) {
        // Runner.Params reads integers only; the payload name is a string, taken from the
        // arguments here (outside the timed region) and read by run() below.
        for (String arg : args) {
            if (arg.startsWith("payload=")) {
                payloadArgument = arg.substring("payload=".length());
            }
        }
        Runner.main(args, Main::run);
    }

    private static String payloadArgument;

    private static final long MODULUS = 2147483647L;
    private static final String UNIT = "Say \"Hello, world!\"\n";
    private static final String MODEL = "gpt-4o-mini";
    private static final long CREATED = 1700000000L;

    /** One Gson for the process, as an application keeps it (it caches the type adapters). */
    private static final Gson GSON = new GsonBuilder().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).create();

    /** Park-Miller "minimal standard" generator; the product stays below 2^47, exact in a long. */
    private static final class Rng {
        private long state;

        Rng(long seed) {
            state = seed;
        }

        long next() {
            state = state * 48271 % MODULUS;
            return state;
        }
    }

    private static void checkGenerator() {
        Rng rng = new Rng(42);
        for (long expected : new long[] {2027382L, 1226992407L, 551494037L}) {
            long got = rng.next();
            if (got != expected) {
                throw new IllegalStateException("generator test vector mismatch: expected " + expected + ", got " + got);
            }
        }
    }

    static final class Message {
        String content;
        String role;

        Message(String content, String role) {
            this.content = content;
            this.role = role;
        }
    }

    static final class Metadata {
        String payload;
        String traceId;
    }

    static final class Property {
        String description;
        String type;
    }

    static final class Properties {
        Property city;
    }

    static final class Parameters {
        Properties properties;
        List<String> required;
        String type;
    }

    static final class Function {
        String description;
        String name;
        Parameters parameters;
    }

    static final class Tool {
        Function function;
        String type;
    }

    static final class ChatRequest {
        int maxTokens;
        List<Message> messages;
        Metadata metadata;
        String model;
        boolean stream;
        double temperature;
        List<Tool> tools;
    }

    static final class Choice {
        String finishReason;
        int index;
        Message message;
    }

    static final class Usage {
        long completionTokens;
        long promptTokens;
        long totalTokens;
    }

    static final class ChatResponse {
        List<Choice> choices;
        long created;
        String id;
        String model;
        String object;
        Usage usage;
    }

    private static ChatRequest buildRequest(long seed, String payload) {
        int count;
        long target;
        switch (payload) {
            case "S":
                count = 4;
                target = 1024;
                break;
            case "M":
                count = 16;
                target = 32768;
                break;
            case "L":
                count = 64;
                target = 262144;
                break;
            default:
                throw new IllegalArgumentException("parameter payload=" + payload + " must be S, M or L");
        }
        // Each message gets a weight 1..9 from the generator and its share of the target length,
        // in whole units: units_i = (target / 20) * weight_i / (sum of weights), integer division.
        Rng rng = new Rng(seed);
        long[] weights = new long[count];
        long weightSum = 0;
        for (int i = 0; i < count; i++) {
            weights[i] = 1 + rng.next() % 9;
            weightSum += weights[i];
        }
        long totalUnits = target / UNIT.length();
        ChatRequest request = new ChatRequest();
        request.messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String role = i == 0 ? "system" : i % 2 == 1 ? "user" : "assistant";
            request.messages.add(new Message(UNIT.repeat((int) (totalUnits * weights[i] / weightSum)), role));
        }
        request.maxTokens = 256;
        request.metadata = new Metadata();
        request.metadata.payload = payload;
        request.metadata.traceId = "bm-" + seed;
        request.model = MODEL;
        request.stream = false;
        request.temperature = 0.7;
        Property city = new Property();
        city.description = "The name of the city";
        city.type = "string";
        Parameters parameters = new Parameters();
        parameters.properties = new Properties();
        parameters.properties.city = city;
        parameters.required = List.of("city");
        parameters.type = "object";
        Tool tool = new Tool();
        tool.function = new Function();
        tool.function.description = "Get the current weather in a city";
        tool.function.name = "get_weather";
        tool.function.parameters = parameters;
        tool.type = "function";
        request.tools = List.of(tool);
        return request;
    }

    private static RuntimeException fail(String what) {
        return new IllegalStateException("round trip check failed: " + what);
    }

    static String run(Runner.Params p) {
        checkGenerator();
        long seed = p.integer("seed");
        if (seed < 1 || seed >= MODULUS) {
            throw new IllegalArgumentException("parameter seed=" + seed + " must be in 1..2147483646");
        }
        String payload = payloadArgument;
        if (payload == null) {
            throw new IllegalArgumentException("missing parameter payload");
        }

        String requestJson = GSON.toJson(buildRequest(seed, payload));
        ChatRequest request = GSON.fromJson(requestJson, ChatRequest.class);
        if (!request.model.equals(MODEL) || request.temperature != 0.7 || request.maxTokens != 256 || request.stream
                || request.tools.size() != 1 || !request.tools.get(0).function.name.equals("get_weather")) {
            throw fail("request fields");
        }

        // The walk: count the messages and their characters, find the last user message.
        long chars = 0;
        long checksum = 0;
        int last = -1;
        for (int i = 0; i < request.messages.size(); i++) {
            Message m = request.messages.get(i);
            chars += m.content.length();
            if (m.role.equals("user")) {
                last = i;
            }
            checksum = (checksum * 31 + m.content.length() * 7L + m.role.length()) % 1000000007L;
        }
        if (last < 0) {
            throw fail("no user message");
        }
        String reply = "You said:\n" + request.messages.get(last).content;
        long promptTokens = (chars + 3) / 4;
        long completionTokens = (reply.length() + 3) / 4;
        String id = "chatcmpl-" + seed + "-" + payload;

        Choice choice = new Choice();
        choice.finishReason = "stop";
        choice.index = 0;
        choice.message = new Message(reply, "assistant");
        ChatResponse response = new ChatResponse();
        response.choices = List.of(choice);
        response.created = CREATED;
        response.id = id;
        response.model = request.model;
        response.object = "chat.completion";
        response.usage = new Usage();
        response.usage.completionTokens = completionTokens;
        response.usage.promptTokens = promptTokens;
        response.usage.totalTokens = promptTokens + completionTokens;
        String responseJson = GSON.toJson(response);
        ChatResponse parsed = GSON.fromJson(responseJson, ChatResponse.class);
        if (parsed.choices.size() != 1) {
            throw fail("response choices");
        }
        Choice c = parsed.choices.get(0);
        if (!c.message.content.equals(reply) || !c.message.role.equals("assistant") || !c.finishReason.equals("stop") || c.index != 0) {
            throw fail("response choice");
        }
        if (!parsed.id.equals(id) || parsed.created != CREATED || !parsed.model.equals(MODEL) || !parsed.object.equals("chat.completion")) {
            throw fail("response fields");
        }
        Usage usage = parsed.usage;
        if (usage.promptTokens != promptTokens || usage.completionTokens != completionTokens
                || usage.totalTokens != promptTokens + completionTokens) {
            throw fail("response usage");
        }
        checksum = (checksum * 31 + c.message.content.length()) % 1000000007L;
        checksum = (checksum * 31 + usage.totalTokens) % 1000000007L;

        return "messages " + request.messages.size() + " chars " + chars + " last_user " + last + " "
                + request.messages.get(last).content.length() + "\nrequest_bytes " + requestJson.length()
                + " response_bytes " + responseJson.length() + "\nusage " + usage.promptTokens + " "
                + usage.completionTokens + " " + usage.totalTokens + "\nchecksum " + checksum + "\n";
    }
}
