// jsonchat workload for C# with DataContractJsonSerializer: build, serialise, parse and walk an
// OpenAI-style chat-completion request and response (workloads/jsonchat/README.md).
//
// DataContractJsonSerializer (System.Runtime.Serialization) is the JSON serialiser that ships
// with both Mono and .NET: Mono's System.Json cannot write compact JSON (it puts a space after
// every ',' and ':'), System.Text.Json is not in Mono, and Json.NET is not part of either.
// The messages are [DataContract] classes, as a C# API client declares them; the serialiser
// writes the members in ascending order of their names, the order the README asks for.

using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Text;

public static class Program
{
    public static int Main(string[] args)
    {
        // Runner.Params reads integers only; the payload name is a string, taken from the
        // arguments here (outside the timed region) and read by Run below.
        foreach (string arg in args)
            if (arg.StartsWith("payload=", StringComparison.Ordinal))
                payloadArgument = arg.Substring("payload=".Length);
        return Runner.Run(args, Run);
    }

    private static string payloadArgument;

    private const long Modulus = 2147483647L;
    private const string Unit = "Say \"Hello, world!\"\n";
    private const string Model = "gpt-4o-mini";
    private const long Created = 1700000000L;

    // One serialiser per type for the process, as an application keeps them.
    private static readonly DataContractJsonSerializer RequestSerializer = new DataContractJsonSerializer(typeof(ChatRequest));
    private static readonly DataContractJsonSerializer ResponseSerializer = new DataContractJsonSerializer(typeof(ChatResponse));

    /// <summary>Park-Miller "minimal standard" generator; the product stays below 2^47, exact in a long.</summary>
    private sealed class Rng
    {
        private long state;

        public Rng(long seed)
        {
            state = seed;
        }

        public long Next()
        {
            state = state * 48271 % Modulus;
            return state;
        }
    }

    private static void CheckGenerator()
    {
        var rng = new Rng(42);
        foreach (long expected in new[] { 2027382L, 1226992407L, 551494037L })
        {
            long got = rng.Next();
            if (got != expected)
                throw new InvalidOperationException("generator test vector mismatch: expected " + expected + ", got " + got);
        }
    }

    // The contracts are public, so .NET's serialiser needs no reflection over non-public types.
    [DataContract]
    public sealed class Message
    {
        [DataMember(Name = "content")] public string Content;
        [DataMember(Name = "role")] public string Role;
    }

    [DataContract]
    public sealed class Metadata
    {
        [DataMember(Name = "payload")] public string Payload;
        [DataMember(Name = "trace_id")] public string TraceId;
    }

    [DataContract]
    public sealed class Property
    {
        [DataMember(Name = "description")] public string Description;
        [DataMember(Name = "type")] public string Type;
    }

    [DataContract]
    public sealed class Properties
    {
        [DataMember(Name = "city")] public Property City;
    }

    [DataContract]
    public sealed class Parameters
    {
        [DataMember(Name = "properties")] public Properties Properties;
        [DataMember(Name = "required")] public List<string> Required;
        [DataMember(Name = "type")] public string Type;
    }

    [DataContract]
    public sealed class Function
    {
        [DataMember(Name = "description")] public string Description;
        [DataMember(Name = "name")] public string Name;
        [DataMember(Name = "parameters")] public Parameters Parameters;
    }

    [DataContract]
    public sealed class Tool
    {
        [DataMember(Name = "function")] public Function Function;
        [DataMember(Name = "type")] public string Type;
    }

    [DataContract]
    public sealed class ChatRequest
    {
        [DataMember(Name = "max_tokens")] public int MaxTokens;
        [DataMember(Name = "messages")] public List<Message> Messages;
        [DataMember(Name = "metadata")] public Metadata Metadata;
        [DataMember(Name = "model")] public string Model;
        [DataMember(Name = "stream")] public bool Stream;
        [DataMember(Name = "temperature")] public double Temperature;
        [DataMember(Name = "tools")] public List<Tool> Tools;
    }

    [DataContract]
    public sealed class Choice
    {
        [DataMember(Name = "finish_reason")] public string FinishReason;
        [DataMember(Name = "index")] public int Index;
        [DataMember(Name = "message")] public Message Message;
    }

    [DataContract]
    public sealed class Usage
    {
        [DataMember(Name = "completion_tokens")] public long CompletionTokens;
        [DataMember(Name = "prompt_tokens")] public long PromptTokens;
        [DataMember(Name = "total_tokens")] public long TotalTokens;
    }

    [DataContract]
    public sealed class ChatResponse
    {
        [DataMember(Name = "choices")] public List<Choice> Choices;
        [DataMember(Name = "created")] public long Created;
        [DataMember(Name = "id")] public string Id;
        [DataMember(Name = "model")] public string Model;
        [DataMember(Name = "object")] public string Object;
        [DataMember(Name = "usage")] public Usage Usage;
    }

    private static string Serialize(DataContractJsonSerializer serializer, object value)
    {
        using (var stream = new MemoryStream())
        {
            serializer.WriteObject(stream, value);
            return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
        }
    }

    private static T Deserialize<T>(DataContractJsonSerializer serializer, string json)
    {
        using (var stream = new MemoryStream(Encoding.UTF8.GetBytes(json)))
            return (T)serializer.ReadObject(stream);
    }

    private static string Repeat(string unit, long times)
    {
        var sb = new StringBuilder((int)(unit.Length * times));
        for (long i = 0; i < times; i++)
            sb.Append(unit);
        return sb.ToString();
    }

    private static ChatRequest BuildRequest(long seed, string payload)
    {
        int count;
        long target;
        switch (payload)
        {
            case "S": count = 4; target = 1024; break;
            case "M": count = 16; target = 32768; break;
            case "L": count = 64; target = 262144; break;
            default: throw new ArgumentException("parameter payload=" + payload + " must be S, M or L");
        }
        // Each message gets a weight 1..9 from the generator and its share of the target length,
        // in whole units: units_i = (target / 20) * weight_i / (sum of weights), integer division.
        var rng = new Rng(seed);
        var weights = new long[count];
        long weightSum = 0;
        for (int i = 0; i < count; i++)
        {
            weights[i] = 1 + rng.Next() % 9;
            weightSum += weights[i];
        }
        long totalUnits = target / Unit.Length;
        var messages = new List<Message>(count);
        for (int i = 0; i < count; i++)
        {
            string role = i == 0 ? "system" : i % 2 == 1 ? "user" : "assistant";
            messages.Add(new Message { Content = Repeat(Unit, totalUnits * weights[i] / weightSum), Role = role });
        }
        return new ChatRequest
        {
            MaxTokens = 256,
            Messages = messages,
            Metadata = new Metadata { Payload = payload, TraceId = "bm-" + seed },
            Model = Model,
            Stream = false,
            Temperature = 0.7,
            Tools = new List<Tool>
            {
                new Tool
                {
                    Function = new Function
                    {
                        Description = "Get the current weather in a city",
                        Name = "get_weather",
                        Parameters = new Parameters
                        {
                            Properties = new Properties { City = new Property { Description = "The name of the city", Type = "string" } },
                            Required = new List<string> { "city" },
                            Type = "object",
                        },
                    },
                    Type = "function",
                },
            },
        };
    }

    private static Exception Fail(string what) => new InvalidOperationException("round trip check failed: " + what);

    private static string Run(Runner.Params p)
    {
        CheckGenerator();
        long seed = p.Int("seed");
        if (seed < 1 || seed >= Modulus)
            throw new ArgumentException("parameter seed=" + seed + " must be in 1..2147483646");
        string payload = payloadArgument;
        if (payload == null)
            throw new ArgumentException("missing parameter payload");

        string requestJson = Serialize(RequestSerializer, BuildRequest(seed, payload));
        var request = Deserialize<ChatRequest>(RequestSerializer, requestJson);
        if (request.Model != Model || request.Temperature != 0.7 || request.MaxTokens != 256 || request.Stream
            || request.Tools.Count != 1 || request.Tools[0].Function.Name != "get_weather")
            throw Fail("request fields");

        // The walk: count the messages and their characters, find the last user message.
        long chars = 0, checksum = 0;
        int last = -1;
        for (int i = 0; i < request.Messages.Count; i++)
        {
            Message m = request.Messages[i];
            chars += m.Content.Length;
            if (m.Role == "user")
                last = i;
            checksum = (checksum * 31 + m.Content.Length * 7L + m.Role.Length) % 1000000007L;
        }
        if (last < 0)
            throw Fail("no user message");
        string reply = "You said:\n" + request.Messages[last].Content;
        long promptTokens = (chars + 3) / 4;
        long completionTokens = (reply.Length + 3) / 4;
        string id = "chatcmpl-" + seed + "-" + payload;

        var response = new ChatResponse
        {
            Choices = new List<Choice> { new Choice { FinishReason = "stop", Index = 0, Message = new Message { Content = reply, Role = "assistant" } } },
            Created = Created,
            Id = id,
            Model = request.Model,
            Object = "chat.completion",
            Usage = new Usage { CompletionTokens = completionTokens, PromptTokens = promptTokens, TotalTokens = promptTokens + completionTokens },
        };
        string responseJson = Serialize(ResponseSerializer, response);
        var parsed = Deserialize<ChatResponse>(ResponseSerializer, responseJson);
        if (parsed.Choices.Count != 1)
            throw Fail("response choices");
        Choice c = parsed.Choices[0];
        if (c.Message.Content != reply || c.Message.Role != "assistant" || c.FinishReason != "stop" || c.Index != 0)
            throw Fail("response choice");
        if (parsed.Id != id || parsed.Created != Created || parsed.Model != Model || parsed.Object != "chat.completion")
            throw Fail("response fields");
        Usage usage = parsed.Usage;
        if (usage.PromptTokens != promptTokens || usage.CompletionTokens != completionTokens || usage.TotalTokens != promptTokens + completionTokens)
            throw Fail("response usage");
        checksum = (checksum * 31 + c.Message.Content.Length) % 1000000007L;
        checksum = (checksum * 31 + usage.TotalTokens) % 1000000007L;

        return "messages " + request.Messages.Count + " chars " + chars + " last_user " + last + " " + request.Messages[last].Content.Length
            + "\nrequest_bytes " + requestJson.Length + " response_bytes " + responseJson.Length
            + "\nusage " + usage.PromptTokens + " " + usage.CompletionTokens + " " + usage.TotalTokens
            + "\nchecksum " + checksum + "\n";
    }
}
