using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Nattt.Diagnostics;

/// <summary>
/// Serves <c>GET /metrics</c> in the Prometheus text exposition format 0.0.4 on a TCP address (<c>--metrics-listen</c>).
/// </summary>
/// <remarks>
/// A minimal responder on <see cref="TcpListener"/> rather than <see cref="HttpListener"/> or Kestrel: the endpoint
/// has one page, Kestrel would pull in the ASP.NET Core shared framework for it, and HttpListener's managed Linux
/// implementation matches URL prefixes by Host header (a scrape by IP address to a prefix with a name gets 400) and
/// keeps no bound on how long a client may take to send its request. Here every limit is explicit: at most
/// <see cref="MaxConnections"/> connections at once (more wait in the listen backlog), a request head of at most
/// <see cref="MaxRequestBytes"/>, and <see cref="RequestTimeout"/> to send it; one request per connection
/// (Connection: close). Anything but GET /metrics gets 404 or 405. The page is rendered on each scrape from the
/// always-on counters, so scraping costs the data path nothing.
/// </remarks>
public sealed partial class MetricsServer : IAsyncDisposable
{
    public const int MaxConnections = 4;
    public const int MaxRequestBytes = 8192;
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly TcpListener _listener;
    private readonly Func<string> _render;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots = new(MaxConnections);
    private readonly Task _loop;

    /// <param name="render">Builds the page (called once per scrape, on a pool thread).</param>
    public MetricsServer(IPEndPoint listen, Func<string> render, ILogger logger)
    {
        _render = render;
        _logger = logger;
        _listener = new TcpListener(listen);
        try { _listener.Start(16); }
        catch (SocketException e)
        {
            throw new Platform.Linux.PlatformException($"cannot serve metrics on tcp {listen}: {e.Message}");
        }
        LocalEndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _loop = Task.Run(AcceptLoop);
    }

    public IPEndPoint LocalEndPoint { get; }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            try { await _slots.WaitAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                _slots.Release();
                return;
            }
            catch (SocketException e)
            {
                _slots.Release();
                LogAcceptFailed(_logger, e.SocketErrorCode);
                continue;
            }
            _ = Task.Run(async () =>
            {
                try { await Serve(client); }
                finally
                {
                    client.Dispose();
                    _slots.Release();
                }
            });
        }
    }

    private async Task Serve(TcpClient client)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            var stream = client.GetStream();
            var head = await ReadHead(stream, timeout.Token);
            if (head is null) return;
            var requestLine = head[..Math.Max(0, head.IndexOf("\r\n", StringComparison.Ordinal))].Split(' ');
            string status, type = "text/plain; charset=utf-8", body;
            if (requestLine.Length < 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
                (status, body) = ("400 Bad Request", "bad request\n");
            else if (requestLine[0] != "GET" && requestLine[0] != "HEAD")
                (status, body) = ("405 Method Not Allowed", "only GET\n");
            else if (requestLine[1] != "/metrics" && !requestLine[1].StartsWith("/metrics?", StringComparison.Ordinal))
                (status, body) = ("404 Not Found", "see /metrics\n");
            else
                (status, type, body) = ("200 OK", ContentType, _render());
            var bodyBytes = Encoding.UTF8.GetBytes(body);
            var header = Encoding.ASCII.GetBytes(
                $"HTTP/1.1 {status}\r\nContent-Type: {type}\r\nContent-Length: {bodyBytes.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(header, timeout.Token);
            if (requestLine[0] != "HEAD") await stream.WriteAsync(bodyBytes, timeout.Token);
        }
        catch (OperationCanceledException) { /* the client was too slow, or we are stopping: drop the connection */ }
        catch (IOException e) { LogClientFailed(_logger, e.Message); }
        catch (SocketException e) { LogClientFailed(_logger, e.Message); }
    }

    /// <summary>Reads up to the blank line ending the request head; null when it is too long or the peer closed.</summary>
    private static async Task<string?> ReadHead(NetworkStream stream, CancellationToken cancel)
    {
        var buffer = new byte[MaxRequestBytes];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(filled), cancel);
            if (n == 0) return null;
            filled += n;
            var text = Encoding.ASCII.GetString(buffer, 0, filled);
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal)) return text;
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _loop;
    }

    [LoggerMessage(EventId = 7200, Level = LogLevel.Warning, Message = "metrics: accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error);

    [LoggerMessage(EventId = 7201, Level = LogLevel.Debug, Message = "metrics: a scrape failed: {Error}")]
    private static partial void LogClientFailed(ILogger logger, string error);
}
