using System.Net;
using Nattt.Turn.Policy;

namespace Nattt.Turn.Server;

/// <summary>
/// One allocation (RFC 8656 section 2.2): the relayed transport address, the 5-tuple it belongs to, its user and
/// key, its lifetime, its permissions (by peer IP, section 9) and its channel bindings (section 12). Owned by the
/// engine and changed only on its serial loop; the host reads <see cref="RelayHandle"/> only.
/// </summary>
public sealed class TurnAllocation
{
    internal TurnAllocation(TurnClientKey client, string username, byte[] key, IPEndPoint relayed, object? relayHandle,
        TokenBucket toPeer, TokenBucket toClient)
    {
        Client = client;
        Username = username;
        Key = key;
        Relayed = relayed;
        RelayHandle = relayHandle;
        ToPeerLimit = toPeer;
        ToClientLimit = toClient;
    }

    public TurnClientKey Client { get; }
    public string Username { get; }
    /// <summary>The long-term key the allocation was made with: every later request must verify with it.</summary>
    internal byte[] Key { get; }
    /// <summary>The relayed transport address as advertised to the client.</summary>
    public IPEndPoint Relayed { get; }
    /// <summary>The host's relay socket.</summary>
    public object? RelayHandle { get; }
    public DateTimeOffset Expires { get; internal set; }
    /// <summary>Set when the engine deleted it; packets the host still delivers for it are dropped.</summary>
    public bool Closed { get; internal set; }

    /// <summary>Permissions: peer IP (ports do not matter, section 9) to expiry.</summary>
    internal Dictionary<IPAddress, DateTimeOffset> Permissions { get; } = [];
    internal Dictionary<ushort, TurnChannelBinding> ChannelsByNumber { get; } = [];
    internal Dictionary<IPEndPoint, TurnChannelBinding> ChannelsByPeer { get; } = [];

    /// <summary>The transaction ID and response of the Allocate that made it, so a retransmission gets the same
    /// answer instead of 437 (RFC 8656 section 7.2).</summary>
    internal byte[] AllocateTransactionId { get; set; } = [];
    internal byte[] AllocateResponse { get; set; } = [];

    internal TokenBucket ToPeerLimit { get; }
    internal TokenBucket ToClientLimit { get; }

    public long PacketsToPeer { get; internal set; }
    public long BytesToPeer { get; internal set; }
    public long PacketsToClient { get; internal set; }
    public long BytesToClient { get; internal set; }

    public int PermissionCount => Permissions.Count;
    public int ChannelCount => ChannelsByNumber.Count;

    internal bool HasPermission(IPAddress peer, DateTimeOffset now) =>
        Permissions.TryGetValue(peer, out var expires) && expires > now;
}

/// <summary>A channel binding: number to peer transport address, with its expiry.</summary>
internal sealed class TurnChannelBinding(ushort number, IPEndPoint peer)
{
    public ushort Number { get; } = number;
    public IPEndPoint Peer { get; } = peer;
    public DateTimeOffset Expires { get; set; }
}
