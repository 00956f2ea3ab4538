using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Nattt.Turn.Hosting;

/// <summary>
/// A minimal HTTP/1.0 endpoint for Prometheus scrapes: any GET gets the current metrics text, then the connection
/// closes. One connection at a time, 5-second read limit, request size capped: it cannot be used to hold resources.
/// </summary>
public sealed class MetricsHttpServer(IPEndPoint endPoint, Func<string> render, ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private Task? _loop;

    public IPEndPoint EndPoint => (IPEndPoint?)_listener?.LocalEndPoint ?? endPoint;

    public void Start()
    {
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endPoint);
        _listener.Listen(16);
        _loop = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        var buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener!.AcceptAsync(_stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            using (client)
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    timeout.CancelAfter(TimeSpan.FromSeconds(5));
                    int read = 0;
                    while (read < buffer.Length)
                    {
                        int n = await client.ReceiveAsync(buffer.AsMemory(read), timeout.Token).ConfigureAwait(false);
                        if (n == 0) break;
                        read += n;
                        if (buffer.AsSpan(0, read).IndexOf("\r\n\r\n"u8) >= 0) break;
                    }
                    var body = Encoding.UTF8.GetBytes(render());
                    var head = Encoding.ASCII.GetBytes(
                        $"HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                    await client.SendAsync(head, timeout.Token).ConfigureAwait(false);
                    await client.SendAsync(body, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    logger.LogDebug("metrics request failed: {Error}", e.Message);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
