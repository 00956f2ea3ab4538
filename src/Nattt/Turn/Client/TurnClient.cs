using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Nattt.Stun.Wire;
using Nattt.Turn.Server;

namespace Nattt.Turn.Client;

/// <summary>Why a TURN client operation failed.</summary>
public sealed class TurnClientException(string message) : Exception(message);

/// <summary>
/// A TURN client over UDP, TCP or TLS: <see cref="TurnClientSession"/> plus a socket, a receive loop and
/// retransmission (RFC 8489 section 6.2.1: over UDP, RTO 500 ms doubling, 7 sends). One request at a time;
/// sends and receives of data may run alongside. Thread-safe.
/// </summary>
public sealed class TurnClient : IAsyncDisposable
{
    private readonly TurnClientSession _session; // guarded by _sessionLock
    private readonly object _sessionLock = new();
    private readonly SemaphoreSlim _oneRequest = new(1, 1);
    private readonly Socket? _udp;
    private readonly Stream? _stream;
    private readonly SemaphoreSlim _streamWrite = new(1, 1);
    private readonly Channel<(IPEndPoint Peer, byte[] Data)> _data = Channel.CreateBounded<(IPEndPoint, byte[])>(
        new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiveLoop;
    private TaskCompletionSource<TurnResponse>? _waiting; // guarded by _sessionLock

    private TurnClient(TurnClientSession session, IPEndPoint server, TurnTransport transport, Socket? udp, Stream? stream)
    {
        _session = session;
        Server = server;
        Transport = transport;
        _udp = udp;
        _stream = stream;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public IPEndPoint Server { get; }
    public TurnTransport Transport { get; }
    public IPEndPoint? Relayed { get { lock (_sessionLock) return _session.Relayed; } }
    public IPEndPoint? Mapped { get { lock (_sessionLock) return _session.Mapped; } }

    /// <summary>Connects (TCP, TLS) or binds (UDP) to <paramref name="server"/>.</summary>
    /// <param name="validateCertificate">For TLS: check the server certificate (against <paramref name="tlsHost"/>); off for self-signed labs.</param>
    public static async Task<TurnClient> ConnectAsync(IPEndPoint server, TurnTransport transport, string? username, string? password,
        string? tlsHost = null, bool validateCertificate = true, IPEndPoint? local = null, CancellationToken cancel = default)
    {
        var session = new TurnClientSession(username, password);
        if (transport == TurnTransport.Udp)
        {
            var udp = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(local ?? new IPEndPoint(server.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0));
            return new TurnClient(session, server, transport, udp, null);
        }
        var tcp = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (local is not null) tcp.Bind(local);
        await tcp.ConnectAsync(server, cancel).ConfigureAwait(false);
        Stream stream = new NetworkStream(tcp, ownsSocket: true);
        if (transport == TurnTransport.Tls)
        {
            var ssl = new SslStream(stream, false, validateCertificate ? null : (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = tlsHost ?? server.Address.ToString() }, cancel).ConfigureAwait(false);
            stream = ssl;
        }
        return new TurnClient(session, server, transport, null, stream);
    }

    public Task<TurnResponse> AllocateAsync(StunAddressFamily? family = null, uint? lifetime = null, CancellationToken cancel = default) =>
        TransactAsync((s, b) => s.WriteAllocate(b, family, lifetime), cancel);

    public Task<TurnResponse> RefreshAsync(uint lifetime, CancellationToken cancel = default) =>
        TransactAsync((s, b) => s.WriteRefresh(b, lifetime), cancel);

    public Task<TurnResponse> CreatePermissionAsync(IPEndPoint peer, CancellationToken cancel = default) =>
        TransactAsync((s, b) => s.WriteCreatePermission(b, peer), cancel);

    public Task<TurnResponse> ChannelBindAsync(ushort channel, IPEndPoint peer, CancellationToken cancel = default) =>
        TransactAsync((s, b) => s.WriteChannelBind(b, channel, peer), cancel);

    /// <summary>Sends data to a peer in a Send indication.</summary>
    public ValueTask SendAsync(IPEndPoint peer, ReadOnlyMemory<byte> data, CancellationToken cancel = default)
    {
        var buffer = new byte[data.Length + 64];
        int n = TurnClientSession.WriteSend(buffer, peer, data.Span);
        return SendRawAsync(buffer.AsMemory(0, n), cancel);
    }

    /// <summary>Sends data on a bound channel (ChannelData).</summary>
    public ValueTask SendChannelAsync(ushort channel, ReadOnlyMemory<byte> data, CancellationToken cancel = default)
    {
        var buffer = new byte[data.Length + 8];
        int n = TurnClientSession.WriteChannelData(buffer, channel, data.Span, Transport != TurnTransport.Udp);
        return SendRawAsync(buffer.AsMemory(0, n), cancel);
    }

    /// <summary>The next datagram relayed from a peer (Data indication or ChannelData).</summary>
    public ValueTask<(IPEndPoint Peer, byte[] Data)> ReceiveAsync(CancellationToken cancel = default) => _data.Reader.ReadAsync(cancel);

    private async Task<TurnResponse> TransactAsync(Func<TurnClientSession, byte[], int> write, CancellationToken cancel)
    {
        await _oneRequest.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                var buffer = new byte[2048];
                var waiting = new TaskCompletionSource<TurnResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
                int n;
                lock (_sessionLock)
                {
                    n = write(_session, buffer);
                    _waiting = waiting;
                }
                var response = await SendWithRetransmitsAsync(buffer.AsMemory(0, n), waiting.Task, cancel).ConfigureAwait(false);
                if (response.Kind != TurnResponseKind.Retry || attempt >= 3) return response;
            }
        }
        finally
        {
            _oneRequest.Release();
        }
    }

    private async Task<TurnResponse> SendWithRetransmitsAsync(ReadOnlyMemory<byte> request, Task<TurnResponse> answer, CancellationToken cancel)
    {
        var rto = TimeSpan.FromMilliseconds(500);
        int sends = Transport == TurnTransport.Udp ? 7 : 1;
        for (int i = 0; i < sends; i++)
        {
            await SendRawAsync(request, cancel).ConfigureAwait(false);
            // Over UDP wait RTO, doubling, and 16 x the first RTO after the last send (Rm, RFC 8489); over a stream 39.5 s.
            var wait = Transport != TurnTransport.Udp ? TimeSpan.FromSeconds(39.5)
                : i == sends - 1 ? TimeSpan.FromMilliseconds(500 * 16) : rto;
            var done = await Task.WhenAny(answer, Task.Delay(wait, cancel)).ConfigureAwait(false);
            cancel.ThrowIfCancellationRequested();
            if (done == answer) return await answer.ConfigureAwait(false);
            rto *= 2;
        }
        throw new TurnClientException($"no answer from {Server} ({Transport.ToString().ToLowerInvariant()})");
    }

    private async ValueTask SendRawAsync(ReadOnlyMemory<byte> packet, CancellationToken cancel)
    {
        if (_udp is not null)
        {
            await _udp.SendToAsync(packet, SocketFlags.None, Server, cancel).ConfigureAwait(false);
            return;
        }
        await _streamWrite.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            await _stream!.WriteAsync(packet, cancel).ConfigureAwait(false);
            await _stream.FlushAsync(cancel).ConfigureAwait(false);
        }
        finally { _streamWrite.Release(); }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[StunConstants.MaxMessageLength + 8];
        int filled = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (_udp is not null)
                {
                    var result = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, Server, _stop.Token).ConfigureAwait(false);
                    if (result.RemoteEndPoint is IPEndPoint from && IsServer(from)) Dispatch(buffer.AsSpan(0, result.ReceivedBytes));
                    continue;
                }
                int n = await _stream!.ReadAsync(buffer.AsMemory(filled), _stop.Token).ConfigureAwait(false);
                if (n == 0) break;
                filled += n;
                int start = 0;
                while (StunFraming.TryGetFrameLength(buffer.AsSpan(start, filled - start), out int length) == StunError.None &&
                       length > 0 && filled - start >= length)
                {
                    Dispatch(buffer.AsSpan(start, length));
                    start += length;
                }
                buffer.AsSpan(start, filled - start).CopyTo(buffer);
                filled -= start;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
        {
            // closed: pending requests time out
        }
        _data.Writer.TryComplete();
    }

    private bool IsServer(IPEndPoint from) =>
        from.Port == Server.Port && (from.Address.Equals(Server.Address) ||
                                    (from.Address.IsIPv4MappedToIPv6 && from.Address.MapToIPv4().Equals(Server.Address)));

    private void Dispatch(ReadOnlySpan<byte> packet)
    {
        lock (_sessionLock)
        {
            if (_session.TryReadData(packet, out var peer, out var data))
            {
                _data.Writer.TryWrite((peer!, data.ToArray()));
                return;
            }
            var response = _session.HandleResponse(packet);
            if (response.Kind != TurnResponseKind.Unrelated) _waiting?.TrySetResult(response);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _udp?.Dispose();
        if (_stream is not null) await _stream.DisposeAsync().ConfigureAwait(false);
        await _receiveLoop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
