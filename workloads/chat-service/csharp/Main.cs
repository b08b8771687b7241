// chat-service in C#: System.Net.HttpListener on Mono with async handlers (GetContextAsync, a
// few accept loops in flight, each request handled by its own task on the thread pool), and
// DataContractJsonSerializer for the bodies, as in the jsonchat workload (the serialiser that
// ships with Mono and .NET). SIGTERM through Mono.Unix.UnixSignal (Mono.Posix.dll). What
// Mono's HttpListener does on its own (connections closed after 100 requests and after a
// 400/413/500, Nagle left on) is in the README. The protocol: runners/SERVICE.md; what is
// computed: workloads/chat-service/README.md.
// Runner.cs is compiled alongside but not used.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Text;
using System.Threading.Tasks;
using Mono.Unix;
using Mono.Unix.Native;

public static class Program
{
    private const int MaxBody = 1 << 20;
    // A body over MaxBody is still read (and dropped) up to this much, so that the client, which
    // is still sending, reads the 413 instead of a reset; beyond it the connection is closed.
    private const long DrainLimit = 16L << 20;
    private const long Created = 1700000000L;

    private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);

    // One serialiser per type for the process, as an application keeps them; instances are
    // safe to share between threads.
    private static readonly DataContractJsonSerializer RequestSerializer = new DataContractJsonSerializer(typeof(ChatRequest));
    private static readonly DataContractJsonSerializer ResponseSerializer = new DataContractJsonSerializer(typeof(ChatResponse));
    private static readonly DataContractJsonSerializer ChunkSerializer = new DataContractJsonSerializer(typeof(Chunk));

    // The request. Members the server does not read (role, ...) are skipped by the serialiser.
    // The typed-as-object members keep the JSON type: the serialiser turns a number into a
    // string member's text, and a content of 5 must be refused, not read as "5".
    [DataContract]
    public sealed class ChatRequest
    {
        [DataMember(Name = "bm_delay_us")] public object DelayUs;
        [DataMember(Name = "max_tokens")] public object MaxTokens;
        [DataMember(Name = "messages")] public List<Message> Messages;
        [DataMember(Name = "model")] public object Model;
        [DataMember(Name = "stream")] public object Stream;
    }

    [DataContract]
    public sealed class Message
    {
        [DataMember(Name = "content")] public object Content;
    }

    // The answer; the serialiser writes members in ascending order of their names.
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

    [DataContract]
    public sealed class Choice
    {
        [DataMember(Name = "finish_reason")] public string FinishReason;
        [DataMember(Name = "index")] public int Index;
        [DataMember(Name = "message")] public AnswerMessage Message;
    }

    [DataContract]
    public sealed class AnswerMessage
    {
        [DataMember(Name = "content")] public string Content;
        [DataMember(Name = "role")] public string Role;
    }

    [DataContract]
    public sealed class Usage
    {
        [DataMember(Name = "completion_tokens")] public long CompletionTokens;
        [DataMember(Name = "prompt_tokens")] public long PromptTokens;
        [DataMember(Name = "total_tokens")] public long TotalTokens;
    }

    // One SSE event. finish_reason is written as null in a delta (the default EmitDefaultValue);
    // the finish event's delta has no content, so it is written as {}.
    [DataContract]
    public sealed class Chunk
    {
        [DataMember(Name = "choices")] public List<ChunkChoice> Choices;
        [DataMember(Name = "id")] public string Id;
        [DataMember(Name = "object")] public string Object;
    }

    [DataContract]
    public sealed class ChunkChoice
    {
        [DataMember(Name = "delta")] public Delta Delta;
        [DataMember(Name = "finish_reason")] public string FinishReason;
        [DataMember(Name = "index")] public int Index;
    }

    [DataContract]
    public sealed class Delta
    {
        [DataMember(Name = "content", EmitDefaultValue = false)] public string Content;
    }

    private static readonly byte[] NotFound = Utf8.GetBytes("{\"error\":{\"message\":\"not found\",\"type\":\"not_found_error\"}}");
    private static readonly byte[] RateLimited = Utf8.GetBytes("{\"error\":{\"message\":\"rate limited\",\"type\":\"rate_limit_error\"}}");
    private static readonly byte[] Internal = Utf8.GetBytes("{\"error\":{\"message\":\"internal error\",\"type\":\"server_error\"}}");
    private static readonly byte[] Malformed = Utf8.GetBytes("{\"error\":{\"message\":\"malformed request\",\"type\":\"invalid_request_error\"}}");
    private static readonly byte[] TooLarge = Utf8.GetBytes("{\"error\":{\"message\":\"request too large\",\"type\":\"invalid_request_error\"}}");
    private static readonly byte[] Ok = Utf8.GetBytes("ok");
    private static readonly byte[] Done = Utf8.GetBytes("data: [DONE]\n\n");

    private static string Fnv1a(byte[] data)
    {
        uint h = 2166136261;
        foreach (byte b in data)
            h = unchecked((h ^ b) * 16777619);
        return h.ToString("x8", CultureInfo.InvariantCulture);
    }

    /// <summary>A JSON number as the serialiser boxes it (int, long, decimal, double), else null.</summary>
    private static long? AsLong(object v)
    {
        if (v is int || v is long || v is decimal || v is double || v is float)
            return Convert.ToInt64(v, CultureInfo.InvariantCulture);
        return null;
    }

    /// <summary>The whole body, or null when it is over MaxBody (then read on up to DrainLimit).</summary>
    private static async Task<byte[]> ReadBody(HttpListenerRequest req)
    {
        Stream input = req.InputStream;
        long declared = req.ContentLength64;
        var buf = new MemoryStream(declared > 0 && declared <= MaxBody ? (int)declared : 4096);
        var chunk = new byte[16384];
        long total = 0;
        while (total <= DrainLimit)
        {
            int n = await input.ReadAsync(chunk, 0, chunk.Length).ConfigureAwait(false);
            if (n <= 0)
                break;
            total += n;
            if (total <= MaxBody)
                buf.Write(chunk, 0, n);
        }
        return total > MaxBody ? null : buf.ToArray();
    }

    private static async Task Send(HttpListenerResponse resp, int status, string type, byte[] body)
    {
        resp.StatusCode = status;
        resp.ContentType = type;
        resp.ContentLength64 = body.Length;
        await resp.OutputStream.WriteAsync(body, 0, body.Length).ConfigureAwait(false);
        resp.Close();
    }

    private static byte[] Serialize(DataContractJsonSerializer s, object o)
    {
        var ms = new MemoryStream(256);
        s.WriteObject(ms, o);
        return ms.ToArray();
    }

    private static byte[] Event(string h, long i, bool finish)
    {
        var chunk = new Chunk
        {
            Choices = new List<ChunkChoice>
            {
                new ChunkChoice { Delta = new Delta { Content = finish ? null : h + ":" + i.ToString(CultureInfo.InvariantCulture) + " " }, FinishReason = finish ? "stop" : null, Index = 0 }
            },
            Id = "chatcmpl-bm",
            Object = "chat.completion.chunk",
        };
        var ms = new MemoryStream(256);
        ms.Write(Utf8.GetBytes("data: "), 0, 6);
        ChunkSerializer.WriteObject(ms, chunk);
        ms.WriteByte((byte)'\n');
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }

    private static async Task Chat(HttpListenerResponse resp, byte[] body)
    {
        ChatRequest req;
        string last;
        try
        {
            req = (ChatRequest)RequestSerializer.ReadObject(new MemoryStream(body));
            if (req == null || req.Messages == null || req.Messages.Count == 0)
                throw new SerializationException("no messages");
            Message m = req.Messages[req.Messages.Count - 1];
            last = m == null ? null : m.Content as string;
            if (last == null)
                throw new SerializationException("last content is not a string");
        }
        catch (Exception e) when (e is SerializationException || e is System.Xml.XmlException || e is InvalidCastException
                                  || e is System.Reflection.TargetInvocationException || e is FormatException || e is OverflowException)
        {
            await Send(resp, 400, "application/json", Malformed).ConfigureAwait(false);
            return;
        }
        long chars = 0;
        foreach (Message m in req.Messages)
        {
            string c = m == null ? null : m.Content as string;
            if (c != null)
                chars += Utf8.GetByteCount(c);
        }
        long prompt = (chars + 3) / 4;
        byte[] data = Utf8.GetBytes(last);
        string h = Fnv1a(data);
        if (req.Stream is bool && (bool)req.Stream)
        {
            long tokens = AsLong(req.MaxTokens) ?? 16;
            long delayUs = AsLong(req.DelayUs) ?? 0;
            // Task.Delay counts whole milliseconds: a delay is rounded up so it waits at least that long.
            int delayMs = delayUs > 0 ? (int)Math.Min(int.MaxValue, (delayUs + 999) / 1000) : 0;
            resp.StatusCode = 200;
            resp.ContentType = "text/event-stream";
            resp.Headers["Cache-Control"] = "no-cache";
            resp.SendChunked = true;
            Stream output = resp.OutputStream;
            for (long i = 0; i < tokens; i++)
            {
                if (delayMs > 0)
                    await Task.Delay(delayMs).ConfigureAwait(false);
                byte[] ev = Event(h, i, false);
                // One write per event: Mono's chunked stream frames each write as one chunk.
                await output.WriteAsync(ev, 0, ev.Length).ConfigureAwait(false);
                await output.FlushAsync().ConfigureAwait(false);
            }
            byte[] end = Event(h, 0, true);
            await output.WriteAsync(end, 0, end.Length).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            await output.WriteAsync(Done, 0, Done.Length).ConfigureAwait(false);
            resp.Close(); // writes the last, empty chunk
            return;
        }
        var answer = new ChatResponse
        {
            Choices = new List<Choice>
            {
                new Choice { FinishReason = "stop", Index = 0, Message = new AnswerMessage { Content = "echo n=" + data.Length.ToString(CultureInfo.InvariantCulture) + " fnv=" + h, Role = "assistant" } }
            },
            Created = Created,
            Id = "chatcmpl-bm",
            Model = req.Model == null ? "" : Convert.ToString(req.Model, CultureInfo.InvariantCulture),
            Object = "chat.completion",
            Usage = new Usage { CompletionTokens = 3, PromptTokens = prompt, TotalTokens = prompt + 3 },
        };
        await Send(resp, 200, "application/json", Serialize(ResponseSerializer, answer)).ConfigureAwait(false);
    }

    // Mono's HttpListener leaves Nagle's algorithm on its connections and has no setting for it:
    // a stream's events, one small write each, then wait for the client's delayed ACK (about
    // 40 ms) whenever the previous one is unacknowledged. Every other server here sends at once
    // (the JDK's through sun.net.httpserver.nodelay), so the connection's socket, a private
    // field of Mono's HttpConnection, gets TCP_NODELAY. Another Mono without those fields keeps
    // Nagle on (NoDelayFields is then false) and the server still works.
    private const BindingFlags Private = BindingFlags.Instance | BindingFlags.NonPublic;
    private static readonly FieldInfo ConnectionField = typeof(HttpListenerContext).GetField("cnc", Private);
    private static readonly FieldInfo SocketField = ConnectionField == null ? null : ConnectionField.FieldType.GetField("sock", Private);
    private static readonly bool NoDelayFields = SocketField != null && SocketField.FieldType == typeof(Socket);

    private static void SetNoDelay(HttpListenerContext ctx)
    {
        if (!NoDelayFields)
            return;
        object connection = ConnectionField.GetValue(ctx);
        var socket = connection == null ? null : SocketField.GetValue(connection) as Socket;
        if (socket != null)
            socket.NoDelay = true;
    }

    private static async Task Handle(HttpListenerContext ctx)
    {
        HttpListenerResponse resp = ctx.Response;
        try
        {
            SetNoDelay(ctx);
            HttpListenerRequest req = ctx.Request;
            byte[] body = await ReadBody(req).ConfigureAwait(false);
            string method = req.HttpMethod;
            string path = req.Url.AbsolutePath;
            // Mono's HttpListener closes the connection after a 413 (and a 400 or 500) whatever
            // KeepAlive says, which also covers a body cut off at DrainLimit.
            if (body == null)
                await Send(resp, 413, "application/json", TooLarge).ConfigureAwait(false);
            else if (method == "GET" && path == "/healthz")
                await Send(resp, 200, "text/plain", Ok).ConfigureAwait(false);
            else if (method == "POST" && path == "/v1/chat/completions:rate")
            {
                resp.Headers["Retry-After"] = "1";
                await Send(resp, 429, "application/json", RateLimited).ConfigureAwait(false);
            }
            else if (method == "POST" && path == "/v1/chat/completions:error")
                await Send(resp, 500, "application/json", Internal).ConfigureAwait(false);
            else if (method == "POST" && path == "/v1/chat/completions")
                await Chat(resp, body).ConfigureAwait(false);
            else
                await Send(resp, 404, "application/json", NotFound).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The client went away (or the response failed half-way): drop the connection, keep serving.
            try
            {
                resp.Abort();
            }
            catch (Exception)
            {
            }
        }
    }

    private static async Task AcceptLoop(HttpListener listener)
    {
        while (listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                continue; // stopped (the loop ends) or one failed accept
            }
            // Not awaited: this loop goes back to accepting while the request (a held stream
            // perhaps) runs on its own.
            _ = Handle(ctx);
        }
    }

    /// <summary>A port the kernel reports free on 127.0.0.1.</summary>
    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private static void Fail(string message)
    {
        Console.Error.Write("chat-service: " + message + "\n");
        Environment.Exit(2);
    }

    public static int Main(string[] args)
    {
        int port = -1;
        foreach (string arg in args)
        {
            int eq = arg.IndexOf('=');
            if (eq < 0)
                Fail("argument `" + arg + "` is not key=value");
            if (arg.Substring(0, eq) == "port" && !int.TryParse(arg.Substring(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port))
                port = -1;
        }
        if (port < 0 || port > 65535)
            Fail("missing or bad parameter port");

        // HttpListener cannot bind port 0 (its prefix needs a real port): for port=0 a
        // TcpListener on 127.0.0.1:0 learns a free port, is closed, and HttpListener binds that
        // one. Another process may take it in between, so a failed start tries a new port, a
        // few times.
        HttpListener listener = null;
        for (int attempt = 0; listener == null; attempt++)
        {
            int p = port == 0 ? FreePort() : port;
            var l = new HttpListener();
            l.Prefixes.Add("http://127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture) + "/");
            // A client gone mid-answer makes writes fail; the handler aborts that response itself.
            l.IgnoreWriteExceptions = true;
            try
            {
                l.Start();
                listener = l;
                port = p;
            }
            catch (Exception e) when (e is HttpListenerException || e is SocketException)
            {
                if (port != 0 || attempt >= 9)
                    Fail("cannot listen on 127.0.0.1:" + p + ": " + e.Message);
            }
        }

        var term = new UnixSignal(Signum.SIGTERM);
        int loops = 2 * Environment.ProcessorCount;
        for (int i = 0; i < loops; i++)
            Task.Run(() => AcceptLoop(listener));

        Stream stdout = Console.OpenStandardOutput();
        byte[] ready = Utf8.GetBytes("#bm listening " + port.ToString(CultureInfo.InvariantCulture) + "\n");
        stdout.Write(ready, 0, ready.Length);
        stdout.Flush();

        term.WaitOne();
        try
        {
            listener.Stop(); // no more accepts; pending GetContextAsync calls fail and their loops end
        }
        catch (Exception)
        {
        }
        byte[] done = Utf8.GetBytes("#bm done\n");
        stdout.Write(done, 0, done.Length);
        stdout.Flush();
        // libc's exit, not Environment.Exit: after 1000 held streams Mono's managed shutdown
        // outlasted the launcher's 2 s grace. Nothing is left to flush or finalise here.
        Syscall.exit(0);
        return 0;
    }
}
