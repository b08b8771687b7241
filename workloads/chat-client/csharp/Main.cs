// chat-client workload for C# (workloads/chat-client/README.md): an OpenAI-style chat-completions
// client on System.Net.Http.HttpClient (one shared instance, Mono's handler over its
// HttpWebRequest/ServicePoint pool) with DataContractJsonSerializer, C async tasks awaited
// together (Task.WhenAll) and blocked on from the runner's synchronous workload function.
//
// Connections: ServicePointManager.DefaultConnectionLimit = C is set before the client is made,
// so the mock's ServicePoint keeps at most C keep-alive connections; the C tasks have at most
// C requests in flight. (Built by the .NET SDK, NETCOREAPP is defined and the same bound is
// SocketsHttpHandler.MaxConnectionsPerServer; that build is untested here, having no SDK.)
//
// JSON: DataContractJsonSerializer, as in the jsonchat workload (the serialiser that ships with
// Mono and .NET; Mono's System.Json writes non-compact JSON, System.Text.Json is not in Mono).
// Members the contracts do not declare (usage, finish_reason, ...) are skipped when reading.
//
// Timeouts: each attempt runs under a CancellationTokenSource of timeout_ms, passed to SendAsync
// (which covers a plain answer's whole body: it is read before SendAsync completes) and, for a
// stream's body, registered to dispose the body stream, which makes a pending read fail. So every
// attempt has timeout_ms to be answered whole; a retry after a 429 gets timeout_ms afresh.
// HttpClient.Timeout is infinite so that this deadline is the only one.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

public static class Program
{
    public static int Main(string[] args)
    {
        // Runner.Params reads integers only; the base URL is a string, taken from the arguments
        // here (outside the timed region) and read by Run below.
        foreach (string arg in args)
            if (arg.StartsWith("base=", StringComparison.Ordinal))
                baseArgument = arg.Substring("base=".Length);
        return Runner.Run(args, Run);
    }

    private static string baseArgument;

    // The contracts are public, so .NET's serialiser needs no reflection over non-public types.
    [DataContract]
    public sealed class Message
    {
        [DataMember(Name = "content")] public string Content;
        [DataMember(Name = "role")] public string Role;
    }

    [DataContract]
    public sealed class ChatRequest
    {
        [DataMember(Name = "max_tokens")] public int MaxTokens;
        [DataMember(Name = "messages")] public List<Message> Messages;
        [DataMember(Name = "model")] public string Model;
        [DataMember(Name = "stream")] public bool Stream;
    }

    [DataContract]
    public sealed class Choice
    {
        [DataMember(Name = "message")] public Message Message;
    }

    [DataContract]
    public sealed class ChatResponse
    {
        [DataMember(Name = "choices")] public List<Choice> Choices;
    }

    [DataContract]
    public sealed class Delta
    {
        [DataMember(Name = "content")] public string Content;
    }

    [DataContract]
    public sealed class ChunkChoice
    {
        [DataMember(Name = "delta")] public Delta Delta;
    }

    [DataContract]
    public sealed class Chunk
    {
        [DataMember(Name = "choices")] public List<ChunkChoice> Choices;
    }

    // One serialiser per type for the process, as an application keeps them (they are thread-safe).
    private static readonly DataContractJsonSerializer RequestSerializer = new DataContractJsonSerializer(typeof(ChatRequest));
    private static readonly DataContractJsonSerializer ResponseSerializer = new DataContractJsonSerializer(typeof(ChatResponse));
    private static readonly DataContractJsonSerializer ChunkSerializer = new DataContractJsonSerializer(typeof(Chunk));

    // The outcomes of one attempt; Limited is a 429, retried while retries are left.
    private enum Outcome { Ok, Status, Malformed, Timeout, Connect, Limited }

    /// <summary>What a phase sends: one serialised body, reused by every request, and where.</summary>
    private sealed class Phase
    {
        public string Name;
        public int Count;
        public bool Stream;
        public Uri Url;
        public byte[] Body;
        public int Next;
    }

    /// <summary>One worker's counts for a phase (merged after the phase, so workers share nothing).</summary>
    private sealed class Stats
    {
        public long Requests, Ok, Status, Malformed, Timeout, Connect, Retries, Bytes, Tokens;
        public uint Checksum;
        public long First = long.MaxValue, Last = long.MinValue;
        public readonly List<long> Latencies = new List<long>();
        public readonly List<long> Ttfbs = new List<long>();

        public void Merge(Stats o)
        {
            Requests += o.Requests; Ok += o.Ok; Status += o.Status; Malformed += o.Malformed;
            Timeout += o.Timeout; Connect += o.Connect; Retries += o.Retries; Bytes += o.Bytes; Tokens += o.Tokens;
            unchecked { Checksum += o.Checksum; }
            First = Math.Min(First, o.First);
            Last = Math.Max(Last, o.Last);
            Latencies.AddRange(o.Latencies);
            Ttfbs.AddRange(o.Ttfbs);
        }
    }

    /// <summary>What an attempt found: the answer's h, the stream's first-token time, a 429's wait.</summary>
    private sealed class Answer
    {
        public Outcome Outcome;
        public uint H;
        public long Ttfb;
        public int WaitMs;
    }

    private static HttpClient client;
    private static int timeoutMs, tokens, contentLength, retries;
    private static readonly MediaTypeHeaderValue Json = new MediaTypeHeaderValue("application/json");
    private static readonly byte[] Done = Encoding.ASCII.GetBytes("[DONE]");

    private static long Micros(long ticks)
    {
        return ticks / Stopwatch.Frequency * 1000000L + ticks % Stopwatch.Frequency * 1000000L / Stopwatch.Frequency;
    }

    private static long Nanos(long ticks)
    {
        return ticks / Stopwatch.Frequency * 1000000000L + ticks % Stopwatch.Frequency * 1000000000L / Stopwatch.Frequency;
    }

    private static string Run(Runner.Params p)
    {
        string b = baseArgument;
        if (b == null)
            throw new ArgumentException("missing parameter base");
        int concurrency = (int)p.Int("concurrency");
        int warmup = (int)p.Int("warmup"), requests = (int)p.Int("requests"), streams = (int)p.Int("streams");
        tokens = (int)p.Int("tokens");
        contentLength = (int)p.Int("content");
        int probe = (int)p.Int("probe");
        retries = (int)p.Int("retries");
        timeoutMs = (int)p.Int("timeout_ms");
        if (concurrency < 1 || warmup < 0 || requests < 0 || streams < 0 || tokens < 0 || contentLength < 0 || probe < 0
            || retries < 0 || timeoutMs < 1)
            throw new ArgumentException("parameters out of range");

#if NETCOREAPP
        // .NET (the csharp-dotnet target): HttpClient's SocketsHttpHandler ignores ServicePointManager
        // (obsolete there), so the same bound is its handler's MaxConnectionsPerServer.
        client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
#else
        // Mono: the pool's limit must be set before the client (and its ServicePoint) exist.
        ServicePointManager.DefaultConnectionLimit = concurrency;
        client = new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
#endif

        var sb = new StringBuilder(contentLength + 14);
        while (sb.Length < contentLength)
            sb.Append("Hello, world! ");
        string content = sb.ToString(0, contentLength);
        string url = b + "/v1/chat/completions";
        string[] names = { "warmup", "chat", "stream", "rate", "error", "malformed" };
        int[] counts = { warmup, requests, streams, probe, probe, probe };
        string[] routes = { url, url, url, url + ":rate", url + ":error", url + ":malformed" };
        var report = new StringBuilder();
        Stats chat = null, stream = null;
        for (int i = 0; i < names.Length; i++)
        {
            bool isStream = names[i] == "stream";
            // The body is serialised once per phase and reused by all of its requests.
            var body = new ChatRequest
            {
                MaxTokens = isStream ? tokens : 16,
                Messages = new List<Message>
                {
                    new Message { Content = "You are a benchmark.", Role = "system" },
                    new Message { Content = content, Role = "user" },
                },
                Model = "bm-echo",
                Stream = isStream,
            };
            byte[] json;
            using (var ms = new MemoryStream())
            {
                RequestSerializer.WriteObject(ms, body);
                json = ms.ToArray();
            }
            var phase = new Phase { Name = names[i], Count = counts[i], Stream = isStream, Url = new Uri(routes[i]), Body = json };
            Stats s = RunPhase(phase, concurrency);
            Line(report, names[i], s);
            if (i == 1)
                chat = s;
            else if (i == 2)
                stream = s;
        }
        Latencies(report, "lat chat", chat.Latencies);
        Latencies(report, "lat stream", stream.Latencies);
        Latencies(report, "ttfb stream", stream.Ttfbs);
        client.Dispose();
        return report.ToString();
    }

    /// <summary>Runs a phase's requests as min(C, count) async tasks, each sending its next request when its answer is complete.</summary>
    private static Stats RunPhase(Phase phase, int concurrency)
    {
        int workers = Math.Min(concurrency, phase.Count);
        var stats = new Stats[workers];
        var tasks = new Task[workers];
        for (int w = 0; w < workers; w++)
        {
            stats[w] = new Stats();
            tasks[w] = Worker(phase, stats[w]);
        }
        // The runner's workload function is synchronous: block on the whole phase.
        Task.WhenAll(tasks).GetAwaiter().GetResult();
        var total = new Stats();
        foreach (Stats s in stats)
            total.Merge(s);
        if (total.First == long.MaxValue)
            total.First = total.Last = 0;
        return total;
    }

    private static async Task Worker(Phase phase, Stats s)
    {
        // Start on the thread pool, so the C workers' first sends are not serialised on the caller.
        await Task.Yield();
        while (Interlocked.Increment(ref phase.Next) <= phase.Count)
            await Request(phase, s).ConfigureAwait(false);
    }

    /// <summary>One request: attempts until it is answered or its 429 retries are used up.</summary>
    private static async Task Request(Phase phase, Stats s)
    {
        var answer = new Answer();
        long start = Stopwatch.GetTimestamp();
        int retried = 0;
        while (true)
        {
            await Attempt(phase, s, answer).ConfigureAwait(false);
            if (answer.Outcome != Outcome.Limited || retried == retries)
                break;
            retried++;
            s.Retries++;
            if (answer.WaitMs > 0)
                await Task.Delay(answer.WaitMs).ConfigureAwait(false);
        }
        long end = Stopwatch.GetTimestamp();
        s.Requests++;
        s.First = Math.Min(s.First, start);
        s.Last = Math.Max(s.Last, end);
        switch (answer.Outcome)
        {
            case Outcome.Ok:
                s.Ok++;
                unchecked { s.Checksum += answer.H; }
                s.Latencies.Add(Micros(end - start));
                if (phase.Stream)
                {
                    s.Tokens += tokens;
                    s.Ttfbs.Add(Micros(answer.Ttfb - start));
                }
                break;
            case Outcome.Status:
            case Outcome.Limited:
                s.Status++;
                break;
            case Outcome.Malformed:
                s.Malformed++;
                break;
            case Outcome.Timeout:
                s.Timeout++;
                break;
            default:
                s.Connect++;
                break;
        }
    }

    /// <summary>The wait a 429 asks for: retry-after-ms milliseconds, else Retry-After seconds, else none.</summary>
    private static int RetryWait(HttpResponseMessage response)
    {
        IEnumerable<string> values;
        double ms;
        if (response.Headers.TryGetValues("retry-after-ms", out values))
            foreach (string v in values)
                if (double.TryParse(v.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out ms))
                    return (int)Math.Ceiling(ms);
        int secs;
        if (response.Headers.TryGetValues("Retry-After", out values))
            foreach (string v in values)
                if (int.TryParse(v.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out secs))
                    return secs * 1000;
        return 0;
    }

    private static async Task Attempt(Phase phase, Stats s, Answer answer)
    {
        using (var cts = new CancellationTokenSource(timeoutMs))
        using (var message = new HttpRequestMessage(HttpMethod.Post, phase.Url))
        {
            message.Content = new ByteArrayContent(phase.Body);
            message.Content.Headers.ContentType = Json;
            HttpResponseMessage response;
            try
            {
                // A plain answer is read whole before SendAsync completes; a stream's only its headers.
                response = await client.SendAsync(message,
                    phase.Stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead,
                    cts.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // OperationCanceledException on the deadline; HttpRequestException (a WebException
                // inside) for a refused, reset or closed connection.
                answer.Outcome = cts.IsCancellationRequested ? Outcome.Timeout : Outcome.Connect;
                return;
            }
            using (response)
            {
                try
                {
                    int code = (int)response.StatusCode;
                    if (!phase.Stream || code != 200)
                    {
                        byte[] body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                        s.Bytes += body.Length;
                        if (code == 429)
                        {
                            answer.WaitMs = RetryWait(response);
                            answer.Outcome = Outcome.Limited;
                        }
                        else if (code != 200)
                            answer.Outcome = Outcome.Status;
                        else
                            answer.Outcome = Plain(body, answer);
                        return;
                    }
                    Stream stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                    using (cts.Token.Register(() => stream.Dispose()))
                        answer.Outcome = await ReadEvents(stream, s, answer, cts.Token).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    answer.Outcome = cts.IsCancellationRequested ? Outcome.Timeout : Outcome.Connect;
                }
            }
        }
    }

    /// <summary>A plain answer's check: choices[0].message.content is "echo n=L fnv=h"; h is kept.</summary>
    private static Outcome Plain(byte[] body, Answer answer)
    {
        ChatResponse parsed;
        try
        {
            using (var ms = new MemoryStream(body, false))
                parsed = (ChatResponse)ResponseSerializer.ReadObject(ms);
        }
        catch (Exception)
        {
            // SerializationException (or the XmlException inside it) for a body that is not JSON.
            return Outcome.Malformed;
        }
        if (parsed == null || parsed.Choices == null || parsed.Choices.Count == 0 || parsed.Choices[0] == null
            || parsed.Choices[0].Message == null || parsed.Choices[0].Message.Content == null)
            return Outcome.Malformed;
        string text = parsed.Choices[0].Message.Content;
        string prefix = "echo n=" + contentLength.ToString(CultureInfo.InvariantCulture) + " fnv=";
        long h;
        if (!text.StartsWith(prefix, StringComparison.Ordinal) || text.Length != prefix.Length + 8 || (h = Hex8(text, prefix.Length)) < 0)
            return Outcome.Malformed;
        answer.H = (uint)h;
        return Outcome.Ok;
    }

    /// <summary>The 8 hex digits at text[at..at+8] as an unsigned number, or -1.</summary>
    private static long Hex8(string text, int at)
    {
        if (text.Length < at + 8)
            return -1;
        long v = 0;
        for (int i = at; i < at + 8; i++)
        {
            char c = text[i];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0)
                return -1;
            v = v * 16 + d;
        }
        return v;
    }

    /// <summary>
    /// Reads an SSE body chunk by chunk as it arrives: lines split on '\n' (a '\r' before it
    /// dropped), `data:` lines gathered, a blank line ending an event. Each event but [DONE] is
    /// parsed as a chunk and its delta content appended; [DONE] ends the stream, after which the
    /// rest of the body is drained so the connection can be reused.
    /// </summary>
    private static async Task<Outcome> ReadEvents(Stream stream, Stats s, Answer answer, CancellationToken token)
    {
        var buf = new byte[8192];
        var line = new byte[1024];
        int lineLength = 0;
        var data = new byte[1024];
        int dataLength = 0;
        bool haveData = false, done = false, bad = false;
        var text = new StringBuilder();
        answer.Ttfb = 0;
        int n;
        while ((n = await stream.ReadAsync(buf, 0, buf.Length, token).ConfigureAwait(false)) > 0)
        {
            s.Bytes += n;
            for (int i = 0; i < n && !done && !bad; i++)
            {
                byte c = buf[i];
                if (c != (byte)'\n')
                {
                    if (lineLength == line.Length)
                        Array.Resize(ref line, line.Length * 2);
                    line[lineLength++] = c;
                    continue;
                }
                int len = lineLength > 0 && line[lineLength - 1] == (byte)'\r' ? lineLength - 1 : lineLength;
                lineLength = 0;
                if (len == 0)
                {
                    if (!haveData)
                        continue;
                    haveData = false;
                    int dl = dataLength;
                    dataLength = 0;
                    if (dl == Done.Length && Equal(data, Done, dl))
                    {
                        done = true;
                        break;
                    }
                    Chunk chunk;
                    try
                    {
                        using (var ms = new MemoryStream(data, 0, dl, false))
                            chunk = (Chunk)ChunkSerializer.ReadObject(ms);
                    }
                    catch (Exception)
                    {
                        bad = true;
                        break;
                    }
                    if (chunk == null || chunk.Choices == null || chunk.Choices.Count == 0 || chunk.Choices[0] == null
                        || chunk.Choices[0].Delta == null)
                    {
                        bad = true;
                        break;
                    }
                    string delta = chunk.Choices[0].Delta.Content;
                    if (!string.IsNullOrEmpty(delta))
                    {
                        if (answer.Ttfb == 0)
                            answer.Ttfb = Stopwatch.GetTimestamp();
                        text.Append(delta);
                    }
                }
                else if (len >= 5 && line[0] == (byte)'d' && line[1] == (byte)'a' && line[2] == (byte)'t' && line[3] == (byte)'a' && line[4] == (byte)':')
                {
                    // The field's value, without the one space after the colon; lines join with '\n'.
                    int from = len > 5 && line[5] == (byte)' ' ? 6 : 5;
                    int need = dataLength + (haveData ? 1 : 0) + len - from;
                    if (need > data.Length)
                        Array.Resize(ref data, Math.Max(need, data.Length * 2));
                    if (haveData)
                        data[dataLength++] = (byte)'\n';
                    Buffer.BlockCopy(line, from, data, dataLength, len - from);
                    dataLength += len - from;
                    haveData = true;
                }
                // Other fields (event:, id:, retry:) and comments do not occur here and are ignored.
            }
        }
        if (bad || !done)
            return Outcome.Malformed;
        // The concatenated deltas must be "<h>:0 <h>:1 ... <h>:<T-1> " with one h throughout.
        string all = text.ToString();
        long h = Hex8(all, 0);
        if (h < 0 || answer.Ttfb == 0)
            return Outcome.Malformed;
        string hs = all.Substring(0, 8);
        var expected = new StringBuilder(all.Length);
        for (int i = 0; i < tokens; i++)
            expected.Append(hs).Append(':').Append(i.ToString(CultureInfo.InvariantCulture)).Append(' ');
        if (!string.Equals(expected.ToString(), all, StringComparison.Ordinal))
            return Outcome.Malformed;
        answer.H = (uint)h;
        return Outcome.Ok;
    }

    private static bool Equal(byte[] a, byte[] b, int n)
    {
        for (int i = 0; i < n; i++)
            if (a[i] != b[i])
                return false;
        return true;
    }

    private static void Line(StringBuilder out_, string name, Stats s)
    {
        out_.Append("phase ").Append(name)
            .Append(" requests=").Append(s.Requests)
            .Append(" ok=").Append(s.Ok)
            .Append(" status=").Append(s.Status)
            .Append(" malformed=").Append(s.Malformed)
            .Append(" timeout=").Append(s.Timeout)
            .Append(" connect=").Append(s.Connect)
            .Append(" retries=").Append(s.Retries)
            .Append(" bytes=").Append(s.Bytes)
            .Append(" tokens=").Append(s.Tokens)
            .Append(" checksum=").Append(s.Checksum.ToString("x8", CultureInfo.InvariantCulture))
            .Append(" ns=").Append(Nanos(s.Last - s.First))
            .Append('\n');
    }

    /// <summary>The latencies as lines of at most 1000 numbers, each line starting with the label; none when there are none.</summary>
    private static void Latencies(StringBuilder out_, string label, List<long> values)
    {
        for (int i = 0; i < values.Count; i += 1000)
        {
            out_.Append(label);
            for (int j = i; j < Math.Min(values.Count, i + 1000); j++)
                out_.Append(' ').Append(values[j]);
            out_.Append('\n');
        }
    }
}
