using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nattt.Dns.Wire;
using Nattt.Tunnel;

namespace Nattt.Dns.Proxy;

/// <summary>
/// The DNS proxy on sockets: UDP and TCP listeners at <see cref="DnsProxyOptions.Listen"/> in front of a
/// <see cref="DnsProxyEngine"/>, and a <see cref="DnsUpstreamClient"/> towards the upstream resolvers. Wiring it into a
/// daemon is one call: <c>await using var dns = await DnsProxyHost.StartAsync(options, mappings, time, logger);</c>
/// (docs/dns.md). Replies leave from the socket the query arrived on (bound to the listen address). A bad datagram,
/// an ICMP error or a failing client connection never stops a receive loop. Thread-safe.
/// </summary>
public sealed class DnsProxyHost : IAsyncDisposable
{
    private readonly DnsProxyOptions _options;
    private readonly ILogger _logger;
    private readonly Socket _udp;
    private readonly Socket _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly SemaphoreSlim _inFlight; // bounds UDP queries being handled (each may wait on the upstream)
    private int _tcpConnections;
    private IDisposable? _ownedUpstream; // the upstream client this host created, closed at dispose

    private DnsProxyHost(DnsProxyOptions options, DnsProxyEngine engine, Socket udp, Socket tcp, ILogger logger)
    {
        _options = options;
        Engine = engine;
        _udp = udp;
        _tcp = tcp;
        _logger = logger;
        _inFlight = new SemaphoreSlim(options.MaxPendingQueries);
    }

    public DnsProxyEngine Engine { get; }
    public DnsProxyCounters Counters => Engine.Counters;
    /// <summary>The bound address (the listen option, with the port the kernel chose if it was 0).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_udp.LocalEndPoint!;
    public IReadOnlyList<IPEndPoint> Upstreams { get; private init; } = [];

    /// <summary>Validates the options, resolves the upstreams (options or resolv.conf), binds and starts serving.
    /// Throws <see cref="ArgumentException"/> for bad options and <see cref="SocketException"/> when the address
    /// cannot be bound (in use, or port 53 without privilege).</summary>
    public static Task<DnsProxyHost> StartAsync(DnsProxyOptions options, IStandInMappings mappings, TimeProvider time, ILogger logger,
        IDnsUpstream? upstream = null)
    {
        var ownsUpstream = upstream is null;
        options.Validate();
        var counters = new DnsProxyCounters();
        var upstreams = options.Upstreams.Count > 0 ? options.Upstreams : ResolvConf.ReadNameservers(options.ResolvConfPath, options.Listen);
        if (upstream is null && upstreams.Count == 0)
            throw new ArgumentException($"no upstream resolvers: none given and none usable in {options.ResolvConfPath}");
        var limiter = new DnsLogLimiter(time, TimeSpan.FromSeconds(10));
        upstream ??= new DnsUpstreamClient(upstreams, options.UpstreamTimeout, options.MaxPendingQueries, options.UpstreamSocketMark, counters,
            (reason, from) =>
            {
                if (limiter.TryEnter("upstream." + reason, out var suppressed))
                    DnsProxyLog.Dropped(logger, reason.ToString(), from.ToString() ?? "?", suppressed);
            },
            (server, error) =>
            {
                if (limiter.TryEnter("upstream-error", out var suppressed))
                    DnsProxyLog.UpstreamError(logger, server.ToString() ?? "?", error, suppressed);
            }, options.UpstreamUdpSockets, options.UpstreamQueriesPerSocket);
        var engine = new DnsProxyEngine(options, upstream, mappings, time, logger, counters);
        var udp = new Socket(options.Listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var tcp = new Socket(options.Listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            udp.Bind(options.Listen);
            tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            tcp.Bind(new IPEndPoint(options.Listen.Address, ((IPEndPoint)udp.LocalEndPoint!).Port));
            tcp.Listen(128);
        }
        catch (SocketException)
        {
            udp.Dispose();
            tcp.Dispose();
            throw;
        }
        var host = new DnsProxyHost(options, engine, udp, tcp, logger) { Upstreams = upstreams, _ownedUpstream = ownsUpstream ? upstream as IDisposable : null };
        host._loops.Add(Task.Run(host.UdpLoopAsync));
        host._loops.Add(Task.Run(host.TcpAcceptLoopAsync));
        DnsProxyLog.Ready(logger, host.LocalEndPoint.ToString(), string.Join(", ", upstreams), options.NatRecordType);
        return Task.FromResult(host);
    }

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[DnsLimits.MaxMessageLength];
        var from = new SocketAddress(_udp.AddressFamily);
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, from, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { break; }
            catch (ObjectDisposedException) { break; }
            catch (SocketException e)
            {
                // e.g. ConnectionReset from an ICMP error for an earlier reply: the loop must go on
                DnsProxyLog.ReceiveError(_logger, "udp", e.SocketErrorCode.ToString());
                continue;
            }
            if (!await _inFlight.WaitAsync(0, token).ConfigureAwait(false))
            {
                Engine.Drop(DnsDropReason.TooManyPending, null);
                continue;
            }
            var query = ArrayPool<byte>.Shared.Rent(n);
            buffer.AsSpan(0, n).CopyTo(query);
            var client = LocalEndPoint.Create(from);
            _ = HandleUdpAsync(query, n, client, token);
        }
    }

    private async Task HandleUdpAsync(byte[] query, int length, EndPoint client, CancellationToken token)
    {
        try
        {
            using var response = await Engine.HandleAsync(query.AsMemory(0, length), DnsTransport.Udp, client, token).ConfigureAwait(false);
            if (!response.IsEmpty) await _udp.SendToAsync(response.Memory, SocketFlags.None, client, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
        catch (ObjectDisposedException) when (token.IsCancellationRequested) { }
        catch (SocketException e)
        {
            DnsProxyLog.ReceiveError(_logger, "udp send", e.SocketErrorCode.ToString());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(query);
            _inFlight.Release();
        }
    }

    private async Task TcpAcceptLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _tcp.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { break; }
            catch (ObjectDisposedException) { break; }
            catch (SocketException e)
            {
                DnsProxyLog.ReceiveError(_logger, "tcp accept", e.SocketErrorCode.ToString());
                continue;
            }
            if (Interlocked.Increment(ref _tcpConnections) > _options.MaxTcpConnections)
            {
                Interlocked.Decrement(ref _tcpConnections);
                Counters.TcpRefused();
                connection.Dispose();
                continue;
            }
            _ = ServeTcpAsync(connection, token);
        }
    }

    /// <summary>One client connection: length-prefixed queries (RFC 1035 4.2.2, RFC 7766), answered in order,
    /// closed after <see cref="DnsProxyOptions.TcpIdleTimeout"/> without a query.</summary>
    private async Task ServeTcpAsync(Socket connection, CancellationToken token)
    {
        var query = ArrayPool<byte>.Shared.Rent(DnsLimits.MaxMessageLength);
        var response = ArrayPool<byte>.Shared.Rent(2 + DnsLimits.MaxMessageLength);
        var peer = connection.RemoteEndPoint;
        try
        {
            while (!token.IsCancellationRequested)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(token);
                idle.CancelAfter(_options.TcpIdleTimeout);
                if (!await DnsUpstreamClient.ReadExactlyAsync(connection, query.AsMemory(0, 2), idle.Token).ConfigureAwait(false)) break;
                var length = BinaryPrimitives.ReadUInt16BigEndian(query);
                if (!await DnsUpstreamClient.ReadExactlyAsync(connection, query.AsMemory(0, length), idle.Token).ConfigureAwait(false))
                {
                    Engine.Drop(DnsDropReason.Truncated, peer);
                    break;
                }
                int n;
                using (var answer = await Engine.HandleAsync(query.AsMemory(0, length), DnsTransport.Tcp, peer, token).ConfigureAwait(false))
                {
                    if (answer.IsEmpty) continue;
                    n = answer.Length;
                    answer.Span.CopyTo(response.AsSpan(2)); // one send for prefix and message (no Nagle wait between them)
                }
                BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)n);
                await connection.SendAsync(response.AsMemory(0, 2 + n), SocketFlags.None, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { /* idle timeout or stop */ }
        catch (SocketException) { /* the client went away */ }
        catch (ObjectDisposedException) when (token.IsCancellationRequested) { }
        finally
        {
            connection.Dispose();
            ArrayPool<byte>.Shared.Return(query);
            ArrayPool<byte>.Shared.Return(response);
            Interlocked.Decrement(ref _tcpConnections);
        }
    }

    /// <summary>Stops listening, waits for the loops, and logs the counters.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _udp.Dispose();
        _tcp.Dispose();
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _ownedUpstream?.Dispose();
        DnsProxyLog.Stopped(_logger, Counters.Format());
        _stop.Dispose();
    }
}
