using System.Net;
using System.Net.Sockets;

namespace Nattt.Turn.Server;

/// <summary>
/// The network as the sans-I/O engine sees it. The host implements it with sockets; unit tests with lists.
/// The engine calls it from its serial loop only.
/// </summary>
public interface ITurnServerIo
{
    /// <summary>Sends a STUN message or ChannelData to a client (over the transport of its 5-tuple).</summary>
    void SendToClient(in TurnClientKey client, ReadOnlySpan<byte> message);

    /// <summary>Sends a datagram from the allocation's relay socket to a peer.</summary>
    void SendToPeer(TurnAllocation allocation, IPEndPoint peer, ReadOnlySpan<byte> data);

    /// <summary>
    /// Opens a relay socket of <paramref name="family"/> (an even port if asked). Returns the relayed transport
    /// address to advertise (the external address behind a 1:1 NAT) and the host's handle, or false when no port
    /// or address is available (the engine answers 508 Insufficient Capacity, or 440 if the family has no relay
    /// address at all: <paramref name="familyUnsupported"/>).
    /// </summary>
    bool TryOpenRelay(AddressFamily family, bool evenPort, out IPEndPoint? relayed, out object? handle, out bool familyUnsupported);

    /// <summary>The allocation of a relay opened by <see cref="TryOpenRelay"/> exists now: start receiving from peers.</summary>
    void StartRelay(TurnAllocation allocation);

    /// <summary>Closes the relay socket of an allocation that ended.</summary>
    void CloseRelay(TurnAllocation allocation);
}
