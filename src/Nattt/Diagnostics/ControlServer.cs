using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Nattt.Diagnostics;

/// <summary>
/// A daemon's control socket: a Unix stream socket (mode 0600, root only) that answers one command per connection
/// with one JSON document, the interface of the paper's diagnosis tool (<c>nattt status</c>). Commands: "status".
/// A stale socket file from a crashed run is replaced; a live one (another daemon) is an error.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly string _path;
    private readonly Func<string, string?> _handler;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ControlServer(string path, Func<string, string?> handler, ILogger logger)
    {
        _path = path;
        _handler = handler;
        _logger = logger;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (File.Exists(path))
        {
            if (IsLive(path)) throw new InvalidOperationException($"control socket {path} is in use by a running daemon");
            File.Delete(path);
        }
        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _socket.Listen(16);
        _loop = Task.Run(AcceptLoop);
    }

    private static bool IsLive(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { probe.Connect(new UnixDomainSocketEndPoint(path)); return true; }
        catch (SocketException) { return false; }
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _socket.AcceptAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e) { _logger.LogWarning("control socket accept failed: {Error}", e.Message); continue; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(Socket client)
    {
        using (client)
        {
            try
            {
                var buffer = new byte[512];
                var n = await client.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5));
                var command = Encoding.UTF8.GetString(buffer, 0, n).Trim();
                var reply = _handler(command) ?? $"{{\"error\":\"unknown command '{command.Replace("\"", "")}'\"}}";
                await client.SendAsync(Encoding.UTF8.GetBytes(reply + "\n"), SocketFlags.None);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or TimeoutException or ObjectDisposedException)
            {
                _logger.LogDebug("control client went away: {Error}", e.Message);
            }
        }
    }

    /// <summary>Sends <paramref name="command"/> to the daemon at <paramref name="path"/> and returns its reply.</summary>
    public static async Task<string> QueryAsync(string path, string command, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var cts = new CancellationTokenSource(timeout);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cts.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes(command + "\n"), SocketFlags.None, cts.Token);
        var ms = new MemoryStream();
        var buffer = new byte[65536];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0) ms.Write(buffer, 0, n);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _socket.Dispose();
        try { await _loop; }
        catch (OperationCanceledException) { /* stopping */ }
        if (File.Exists(_path)) File.Delete(_path);
        _stop.Dispose();
    }
}
