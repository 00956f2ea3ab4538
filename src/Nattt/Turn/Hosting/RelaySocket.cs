using System.Net;
using System.Net.Sockets;
using Nattt.Turn.Server;

namespace Nattt.Turn.Hosting;

/// <summary>
/// The UDP socket of one allocation, watched by the host's <see cref="UdpEventLoop"/>. It holds no receive buffer of
/// its own: datagrams are drained into the loop thread's buffer, so memory per allocation is the socket and this
/// object.
/// </summary>
internal sealed class RelaySocket(Socket socket, IPEndPoint bound)
{
    public Socket Socket { get; } = socket;
    /// <summary>The local address the socket is bound to (the advertised one may differ behind a 1:1 NAT).</summary>
    public IPEndPoint Bound { get; } = bound;
    public TurnAllocation? Allocation { get; set; }
    /// <summary>The last peer seen, so that a steady flow from one peer costs no IPEndPoint per datagram.</summary>
    public SocketAddress? LastPeerAddress { get; set; }
    public IPEndPoint? LastPeer { get; set; }
    /// <summary>The last peer sent to (the engine passes the same IPEndPoint object for a channel's peer).</summary>
    public IPEndPoint? LastSentPeer { get; set; }
    public SocketAddress? LastSentPeerAddress { get; set; }
    public volatile bool Closed;
    /// <summary>Registration in the UDP event loop (0 before the allocation starts).</summary>
    public ulong LoopId { get; set; }
}
