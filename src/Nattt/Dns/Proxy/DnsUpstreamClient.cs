using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Nattt.Dns.Wire;

namespace Nattt.Dns.Proxy;

/// <summary>
/// Sends queries to the upstream resolvers over UDP (random IDs; sockets on random ports, renewed every few queries:
/// RFC 5452's two sources of entropy, see <see cref="UdpUpstreamSockets"/>) or TCP, tries the servers in order until
/// one answers, and accepts only answers that <see cref="DnsAnswerMatcher"/> matches; everything else is counted and
/// the wait goes on. The UDP sockets are not connected on purpose: the kernel would silently filter answers from
/// wrong addresses, and they could not be counted.
/// Thread-safe; the pending count is the only shared state (Interlocked).
/// </summary>
public sealed class DnsUpstreamClient : IDnsUpstream, IDisposable
{
    private const int SolSocket = 1, SoMark = 36; // Linux <asm-generic/socket.h>
    private readonly IReadOnlyList<IPEndPoint> _servers;
    private readonly TimeSpan _timeout;
    private readonly int _maxPending;
    private readonly int _socketMark;
    private readonly DnsProxyCounters _counters;
    private readonly Action<DnsDropReason, EndPoint>? _onDrop;
    private readonly Action<EndPoint, string>? _onError;
    private readonly Lazy<UdpUpstreamSockets> _udp4, _udp6;
    private int _pending;
    private volatile bool _markUnavailable;

    public DnsUpstreamClient(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout, int maxPending, int socketMark,
        DnsProxyCounters counters, Action<DnsDropReason, EndPoint>? onDrop = null, Action<EndPoint, string>? onError = null,
        int udpSockets = 32, int queriesPerSocket = 100)
    {
        if (servers.Count == 0) throw new ArgumentException("at least one upstream resolver is needed", nameof(servers));
        _servers = servers;
        _timeout = timeout;
        _maxPending = maxPending;
        _socketMark = socketMark;
        _counters = counters;
        _onDrop = onDrop;
        _onError = onError;
        _udp4 = new(() => new UdpUpstreamSockets(udpSockets, queriesPerSocket, socketMark, counters, onDrop));
        _udp6 = new(() => new UdpUpstreamSockets(udpSockets, queriesPerSocket, socketMark, counters, onDrop));
    }

    public int Pending => Volatile.Read(ref _pending);

    public void Dispose()
    {
        if (_udp4.IsValueCreated) _udp4.Value.Dispose();
        if (_udp6.IsValueCreated) _udp6.Value.Dispose();
    }

    public async ValueTask<DnsUpstreamAnswer> QueryAsync(ReadOnlyMemory<byte> query, DnsTransport transport, bool tcpFallback,
        CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _pending) > _maxPending)
        {
            Interlocked.Decrement(ref _pending);
            _counters.Dropped(DnsDropReason.TooManyPending);
            return new DnsUpstreamAnswer(DnsUpstreamFailure.TooManyPending);
        }
        try
        {
            var failure = DnsUpstreamFailure.NetworkError;
            foreach (var server in _servers)
            {
                var answer = transport == DnsTransport.Udp
                    ? await QueryUdpAsync(query, server, cancellationToken).ConfigureAwait(false)
                    : await QueryTcpAsync(query, server, cancellationToken).ConfigureAwait(false);
                if (answer.Succeeded && transport == DnsTransport.Udp && tcpFallback && DnsHeader.TryRead(answer.Span, out var h) && h.IsTruncated)
                {
                    answer.Dispose();
                    answer = await QueryTcpAsync(query, server, cancellationToken).ConfigureAwait(false);
                }
                if (answer.Succeeded) return answer;
                failure = answer.Failure;
            }
            return new DnsUpstreamAnswer(failure);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    private static byte[] WithRandomId(ReadOnlyMemory<byte> query, out int length)
    {
        var wire = ArrayPool<byte>.Shared.Rent(query.Length);
        query.Span.CopyTo(wire);
        DnsHeader.WriteId(wire, (ushort)RandomNumberGenerator.GetInt32(0, 65536));
        length = query.Length;
        return wire;
    }

    private async ValueTask<DnsUpstreamAnswer> QueryUdpAsync(ReadOnlyMemory<byte> query, IPEndPoint server, CancellationToken cancellationToken)
    {
        var sockets = server.AddressFamily == AddressFamily.InterNetworkV6 ? _udp6.Value : _udp4.Value;
        try
        {
            return await sockets.QueryAsync(query, server, _timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            _counters.UpstreamError();
            _onError?.Invoke(server, e.SocketErrorCode.ToString());
            return new DnsUpstreamAnswer(DnsUpstreamFailure.NetworkError);
        }
    }

    private async ValueTask<DnsUpstreamAnswer> QueryTcpAsync(ReadOnlyMemory<byte> query, IPEndPoint server, CancellationToken cancellationToken)
    {
        var wire = WithRandomId(query, out var length);
        var buffer = ArrayPool<byte>.Shared.Rent(DnsLimits.MaxMessageLength);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            SetMark(socket);
            await socket.ConnectAsync(server, timeout.Token).ConfigureAwait(false);
            var prefixed = new byte[2 + length];
            BinaryPrimitives.WriteUInt16BigEndian(prefixed, (ushort)length);
            wire.AsSpan(0, length).CopyTo(prefixed.AsSpan(2));
            await socket.SendAsync(prefixed, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            if (!await ReadExactlyAsync(socket, buffer.AsMemory(0, 2), timeout.Token).ConfigureAwait(false))
                return Error();
            var n = BinaryPrimitives.ReadUInt16BigEndian(buffer);
            if (!await ReadExactlyAsync(socket, buffer.AsMemory(0, n), timeout.Token).ConfigureAwait(false))
                return Error();
            var reason = DnsAnswerMatcher.CheckMessage(wire.AsSpan(0, length), buffer.AsSpan(0, n));
            if (reason != DnsDropReason.None)
            {
                _counters.Dropped(reason);
                _onDrop?.Invoke(reason, server);
                return Error();
            }
            DnsHeader.WriteId(buffer, DnsHeader.ReadId(query.Span));
            var answer = new DnsUpstreamAnswer(buffer, n);
            buffer = null;
            return answer;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _counters.UpstreamTimeout();
            return new DnsUpstreamAnswer(DnsUpstreamFailure.Timeout);
        }
        catch (SocketException e)
        {
            _onError?.Invoke(server, e.SocketErrorCode.ToString());
            return Error();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(wire);
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private DnsUpstreamAnswer Error()
    {
        _counters.UpstreamError();
        return new DnsUpstreamAnswer(DnsUpstreamFailure.NetworkError);
    }

    internal static async ValueTask<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    private void SetMark(Socket socket)
    {
        if (_socketMark == 0 || _markUnavailable) return;
        try
        {
            socket.SetRawSocketOption(SolSocket, SoMark, BitConverter.GetBytes(_socketMark));
        }
        catch (SocketException)
        {
            _markUnavailable = true; // without CAP_NET_ADMIN; only the nftables capture needs the mark
        }
    }
}
