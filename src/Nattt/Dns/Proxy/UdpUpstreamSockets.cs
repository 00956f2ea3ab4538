using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Nattt.Dns.Wire;

namespace Nattt.Dns.Proxy;

/// <summary>
/// The upstream UDP sockets: a small set, each bound to its own random port, each carrying at most
/// <c>queriesPerSocket</c> queries before it is retired and a new one on a new random port takes its place. So the
/// source port an off-path attacker must guess keeps changing (RFC 5452 section 9.2), while the proxy does not pay a
/// socket, a bind and an epoll registration per query (with <c>queriesPerSocket</c> = 1 it does, as RFC 5452 puts it
/// at its strictest). Each socket has one receive loop that matches answers to its pending queries by ID, then
/// server address and port, then question (<see cref="DnsAnswerMatcher"/>); every other datagram is counted and
/// dropped. Thread-safe: <see cref="_lock"/> guards the socket list; each socket's lock guards its pending table.
/// </summary>
internal sealed class UdpUpstreamSockets : IDisposable
{
    private const int SolSocket = 1, SoMark = 36; // Linux <asm-generic/socket.h>
    private readonly object _lock = new(); // guards _sockets and _next
    private readonly UpstreamSocket?[] _sockets;
    private readonly int _queriesPerSocket;
    private readonly int _mark;
    private readonly DnsProxyCounters _counters;
    private readonly Action<DnsDropReason, EndPoint>? _onDrop;
    private int _next;
    private bool _disposed;
    private static bool s_markUnavailable;

    public UdpUpstreamSockets(int sockets, int queriesPerSocket, int mark, DnsProxyCounters counters, Action<DnsDropReason, EndPoint>? onDrop)
    {
        _sockets = new UpstreamSocket?[Math.Max(1, sockets)];
        _queriesPerSocket = Math.Max(1, queriesPerSocket);
        _mark = mark;
        _counters = counters;
        _onDrop = onDrop;
    }

    /// <summary>Sends <paramref name="wire"/> (its ID is replaced by one free on the chosen socket) and waits for the
    /// matching answer; returns it in a rented buffer, or a failure.</summary>
    public async ValueTask<DnsUpstreamAnswer> QueryAsync(ReadOnlyMemory<byte> query, IPEndPoint server, TimeSpan timeout, CancellationToken ct)
    {
        var (socket, id, pending) = Register(query, server);
        try
        {
            await socket.Socket.SendToAsync(pending.Query.AsMemory(0, query.Length), SocketFlags.None, server, ct).ConfigureAwait(false);
            var (buffer, length) = await pending.Completion.Task.WaitAsync(timeout, ct).ConfigureAwait(false);
            DnsHeader.WriteId(buffer, DnsHeader.ReadId(query.Span));
            return new DnsUpstreamAnswer(buffer, length);
        }
        catch (TimeoutException)
        {
            _counters.UpstreamTimeout();
            return new DnsUpstreamAnswer(DnsUpstreamFailure.Timeout);
        }
        finally
        {
            socket.Unregister(id, pending);
        }
    }

    private (UpstreamSocket Socket, ushort Id, PendingQuery Pending) Register(ReadOnlyMemory<byte> query, IPEndPoint server)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var index = _next;
            _next = (_next + 1) % _sockets.Length;
            var socket = _sockets[index];
            if (socket is null || socket.Uses >= _queriesPerSocket)
            {
                socket?.Retire();
                socket = _sockets[index] = new UpstreamSocket(server.AddressFamily, this);
            }
            var pending = new PendingQuery(query, server);
            var id = socket.Add(pending);
            return (socket, id, pending);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var s in _sockets) s?.Retire();
        }
    }

    private sealed class PendingQuery
    {
        public PendingQuery(ReadOnlyMemory<byte> query, IPEndPoint server)
        {
            Query = ArrayPool<byte>.Shared.Rent(query.Length);
            query.Span.CopyTo(Query);
            Length = query.Length;
            Server = server.Serialize();
        }

        public byte[] Query { get; }
        public int Length { get; }
        public SocketAddress Server { get; }
        // Continuations run inline on the receive loop that completes it: the rest of the query's handling (checking
        // the answer, sending it to the client) is short and never blocks, and a thread hop per answer costs more
        // latency than it saves on a loaded machine.
        public TaskCompletionSource<(byte[] Buffer, int Length)> Completion { get; } = new();
    }

    /// <summary>One socket on a random port, its pending queries by ID and its receive loop.</summary>
    private sealed class UpstreamSocket
    {
        private readonly object _lock = new(); // guards _pending, _retired
        private readonly Dictionary<ushort, PendingQuery> _pending = [];
        private readonly UdpUpstreamSockets _owner;
        private bool _retired;

        public UpstreamSocket(AddressFamily family, UdpUpstreamSockets owner)
        {
            _owner = owner;
            Socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            if (owner._mark != 0 && !s_markUnavailable)
            {
                try { Socket.SetRawSocketOption(SolSocket, SoMark, BitConverter.GetBytes(owner._mark)); }
                catch (SocketException) { s_markUnavailable = true; } // no CAP_NET_ADMIN; only the nft capture needs it
            }
            BindRandomPort(Socket, family);
            _ = Task.Run(ReceiveLoopAsync);
        }

        public Socket Socket { get; }
        public int Uses { get; private set; } // under the owner's lock

        public ushort Add(PendingQuery pending)
        {
            lock (_lock)
            {
                ushort id;
                do id = (ushort)RandomNumberGenerator.GetInt32(0, 65536);
                while (_pending.ContainsKey(id));
                _pending[id] = pending;
                DnsHeader.WriteId(pending.Query, id);
                Uses++;
                return id;
            }
        }

        public void Unregister(ushort id, PendingQuery pending)
        {
            bool close;
            lock (_lock)
            {
                if (_pending.TryGetValue(id, out var p) && ReferenceEquals(p, pending)) _pending.Remove(id);
                close = _retired && _pending.Count == 0;
            }
            ArrayPool<byte>.Shared.Return(pending.Query);
            if (close) Socket.Dispose();
        }

        /// <summary>No new queries; closed when the last pending one is done.</summary>
        public void Retire()
        {
            bool close;
            lock (_lock)
            {
                _retired = true;
                close = _pending.Count == 0;
            }
            if (close) Socket.Dispose();
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = ArrayPool<byte>.Shared.Rent(DnsLimits.MaxMessageLength);
            var from = new SocketAddress(Socket.AddressFamily);
            try
            {
                while (true)
                {
                    int n;
                    try
                    {
                        n = await Socket.ReceiveFromAsync(buffer, SocketFlags.None, from).ConfigureAwait(false);
                    }
                    catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
                    {
                        continue; // an ICMP error for an earlier query: that query times out, the loop goes on
                    }
                    Dispatch(buffer.AsSpan(0, n), from);
                }
            }
            catch (ObjectDisposedException) { /* retired and closed */ }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted) { /* closed */ }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private void Dispatch(ReadOnlySpan<byte> answer, SocketAddress from)
        {
            DnsDropReason reason;
            PendingQuery? match = null;
            if (answer.Length < DnsLimits.HeaderLength) reason = DnsDropReason.Truncated;
            else
            {
                lock (_lock) _pending.TryGetValue(DnsHeader.ReadId(answer), out match);
                reason = match is null ? DnsDropReason.WrongId
                    : !from.Equals(match.Server) ? DnsDropReason.WrongSource
                    : DnsAnswerMatcher.CheckMessage(match.Query.AsSpan(0, match.Length), answer);
            }
            if (reason == DnsDropReason.None && match is not null)
            {
                var copy = ArrayPool<byte>.Shared.Rent(answer.Length);
                answer.CopyTo(copy);
                if (!match.Completion.TrySetResult((copy, answer.Length))) ArrayPool<byte>.Shared.Return(copy); // a duplicate
                return;
            }
            _owner._counters.Dropped(reason);
            _owner._onDrop?.Invoke(reason, SocketAddressText(from));
        }

        private EndPoint SocketAddressText(SocketAddress address) =>
            (address.Family == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0)).Create(address);
    }

    /// <summary>Binds to a port drawn at random from 1024-65535 (a few tries if taken, then the kernel's choice).</summary>
    internal static void BindRandomPort(Socket socket, AddressFamily family)
    {
        var any = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        for (var attempt = 0; attempt < 8; attempt++)
        {
            try
            {
                socket.Bind(new IPEndPoint(any, RandomNumberGenerator.GetInt32(1024, 65536)));
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                // taken: draw again
            }
        }
        socket.Bind(new IPEndPoint(any, 0));
    }
}
