using System.Net;
using System.Net.Sockets;
using Nattt.Turn.Server;

namespace Nattt.Turn.Hosting;

/// <summary>
/// The UDP socket of one allocation. It holds no receive buffer of its own while idle: it waits with a zero-byte
/// MSG_PEEK receive (which completes when a datagram is queued, without taking it), then takes the datagram into
/// the receiving thread's buffer. That keeps memory per allocation to the socket and this object, at the price of
/// one more system call per datagram from a peer.
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
    public volatile bool Closed;
}
