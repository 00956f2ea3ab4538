using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nattt.Stun.Server;

namespace Nattt.Stun.Hosting;

/// <summary>
/// Runs a <see cref="StunServerEngine"/> on UDP: one socket per server endpoint (1, or 4 with an alternate address),
/// one receive loop per socket, replies sent from the socket the engine names (that is how CHANGE-REQUEST answers
/// leave from the other address). Receives reuse one buffer and one SocketAddress per loop.
/// </summary>
public sealed class StunUdpServerHost : IDisposable
{
    private readonly StunServerEngine _engine;
    private readonly ILogger _logger;
    private readonly StunDropLogLimiter _limiter;
    private readonly Socket?[] _sockets = new Socket?[4];

    /// <summary>Receive loops per socket. Defaults to the number of processors.</summary>
    public int ReceiveLoopsPerSocket { get; init; } = Environment.ProcessorCount;

    public StunUdpServerHost(StunServerEngine engine, ILogger logger, TimeProvider time)
    {
        _engine = engine;
        _logger = logger;
        _limiter = new StunDropLogLimiter(time);
    }

    /// <summary>Binds every endpoint (throws SocketException if one is taken), then receives until cancelled.</summary>
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
        // Several receive loops per socket (concurrent receives on one UDP socket are allowed): one per core, so a
        // single busy port is not held to one thread.
        var loops = _engine.Addresses.Endpoints
            .SelectMany(id => Enumerable.Range(0, ReceiveLoopsPerSocket).Select(_ => id))
            .Select(id => Task.Run(() => ReceiveLoop(id, cancellationToken), CancellationToken.None));
        return Task.WhenAll(loops);
    }

    private async Task ReceiveLoop(StunServerEndpointId id, CancellationToken cancellationToken)
    {
        var socket = _sockets[id.Index]!;
        var local = _engine.Addresses[id];
        var buffer = GC.AllocateArray<byte>(2048, pinned: true);
        var response = GC.AllocateArray<byte>(2048, pinned: true);
        var remoteAddress = new SocketAddress(socket.AddressFamily);
        var template = new IPEndPoint(local.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, remoteAddress, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { break; }
            catch (ObjectDisposedException) { break; }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                // An ICMP error for an earlier reply, or an oversized datagram: neither must stop the loop.
                StunHostLog.ReceiveError(_logger, local, e.SocketErrorCode.ToString());
                continue;
            }
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
                from.SendTo(response.AsSpan(0, reply.Length), SocketFlags.None, reply.SendTo!);
            }
            catch (SocketException e)
            {
                StunHostLog.SendError(_logger, _engine.Addresses[reply.SendFrom], reply.SendTo!, e.SocketErrorCode.ToString());
            }
        }
    }

    public void Dispose()
    {
        foreach (var socket in _sockets) socket?.Dispose();
    }
}
