using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nattt.Stun.Server;

namespace Nattt.Stun.Hosting;

/// <summary>
/// Runs a <see cref="StunServerEngine"/> on UDP: one socket per server endpoint (1, or 4 with an alternate address),
/// replies sent from the socket the engine names (that is how CHANGE-REQUEST answers leave from the other address).
/// Each socket is served by <see cref="ReceiveLoopsPerSocket"/> dedicated threads doing blocking receives: for a
/// request/response server this costs fewer CPU cycles per packet than async receives (no readiness wake-up and
/// continuation per datagram), and each thread reuses its buffers and SocketAddress, so nothing is allocated per
/// datagram except the remote IPEndPoint the engine reads. Stopping: <see cref="Dispose"/> closes the sockets,
/// which ends the blocked receives.
/// </summary>
public sealed class StunUdpServerHost : IDisposable
{
    private readonly StunServerEngine _engine;
    private readonly ILogger _logger;
    private readonly StunDropLogLimiter _limiter;
    private readonly Socket?[] _sockets = new Socket?[4];
    private volatile bool _stopping;

    /// <summary>Receive threads on the primary socket (the alternate ones get one each). Defaults to the number of processors.</summary>
    public int ReceiveLoopsPerSocket { get; init; } = Environment.ProcessorCount;

    public StunUdpServerHost(StunServerEngine engine, ILogger logger, TimeProvider time)
    {
        _engine = engine;
        _logger = logger;
        _limiter = new StunDropLogLimiter(time);
    }

    /// <summary>Binds every endpoint (throws SocketException if one is taken), then serves until
    /// <paramref name="cancellationToken"/> fires or the host is disposed. The task completes when every thread ended.</summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var id in _engine.Addresses.Endpoints)
        {
            var endPoint = _engine.Addresses[id];
            var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(endPoint);
            _sockets[id.Index] = socket;
            StunHostLog.Listening(_logger, "udp", endPoint, id.ToString());
        }
        cancellationToken.Register(Dispose);
        var threads = new List<Task>();
        foreach (var id in _engine.Addresses.Endpoints)
        {
            // The primary endpoint carries nearly all traffic; the other three only answer discovery tests.
            int loops = id == StunServerEndpointId.Primary ? ReceiveLoopsPerSocket : 1;
            for (int i = 0; i < loops; i++)
            {
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var thread = new Thread(() =>
                {
                    try { ReceiveLoop(id); }
                    finally { done.SetResult(); }
                })
                { IsBackground = true, Name = $"stun-udp-{id.Index}-{i}" };
                thread.Start();
                threads.Add(done.Task);
            }
        }
        return Task.WhenAll(threads);
    }

    private void ReceiveLoop(StunServerEndpointId id)
    {
        var socket = _sockets[id.Index]!;
        var local = _engine.Addresses[id];
        var buffer = new byte[2048];
        var response = new byte[2048];
        var remoteAddress = new SocketAddress(socket.AddressFamily);
        var template = new IPEndPoint(local.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!_stopping)
        {
            int received;
            try
            {
                received = socket.ReceiveFrom(buffer, SocketFlags.None, remoteAddress);
            }
            catch (ObjectDisposedException) { break; }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                // An ICMP error for an earlier reply, or an oversized datagram: neither must stop the loop.
                StunHostLog.ReceiveError(_logger, local, e.SocketErrorCode.ToString());
                continue;
            }
            catch (SocketException) when (_stopping) { break; }
            var remote = (IPEndPoint)template.Create(remoteAddress);
            var reply = _engine.Handle(buffer.AsSpan(0, received), remote, id, StunTransport.Udp, response);
            if (reply.IsDrop)
            {
                if (reply.Drop is StunServerDropReason.Malformed or StunServerDropReason.FingerprintMismatch && _limiter.TryAcquire(out long suppressed))
                    StunHostLog.Dropped(_logger, remote, reply.Drop, reply.Error, suppressed);
                continue;
            }
            var from = _sockets[reply.SendFrom.Index] ?? socket;
            try
            {
                // The usual reply goes back to the sender: reuse its SocketAddress instead of serializing an endpoint.
                if (ReferenceEquals(reply.SendTo, remote)) from.SendTo(response.AsSpan(0, reply.Length), SocketFlags.None, remoteAddress);
                else from.SendTo(response.AsSpan(0, reply.Length), SocketFlags.None, reply.SendTo!);
            }
            catch (ObjectDisposedException) { break; }
            catch (SocketException e)
            {
                StunHostLog.SendError(_logger, _engine.Addresses[reply.SendFrom], reply.SendTo!, e.SocketErrorCode.ToString());
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var socket in _sockets) socket?.Dispose();
    }
}
