using Nattt.Turn.Policy;

namespace Nattt.Turn.Server;

/// <summary>Why the server dropped a packet or refused a request (label of the drop counter).</summary>
public enum TurnDropReason : byte
{
    /// <summary>Neither STUN nor ChannelData, or a STUN message that failed to parse.</summary>
    Malformed,
    /// <summary>A TURN message without the magic cookie (RFC 3489 clients only get Binding answers).</summary>
    Legacy,
    /// <summary>Data, ChannelData or an indication from a 5-tuple without an allocation.</summary>
    NoAllocation,
    /// <summary>Data to or from a peer without a permission.</summary>
    NoPermission,
    /// <summary>ChannelData on an unbound channel.</summary>
    NoChannel,
    /// <summary>A peer address the policy refuses.</summary>
    PeerDenied,
    /// <summary>Over the per-allocation or total bandwidth.</summary>
    RateLimited,
    /// <summary>A response or unknown message class sent to the server.</summary>
    Unexpected,
    /// <summary>The transport could not take the packet (socket error, full TCP send queue).</summary>
    SendFailed,
}

/// <summary>
/// Always-on counters. Written on the engine's serial loop (and by the host for send failures, with Interlocked);
/// read by the metrics endpoint from other threads: each value is a 64-bit field read atomically on 64-bit hosts,
/// and a scrape may see one counter a packet ahead of another, which Prometheus tolerates.
/// </summary>
public sealed class TurnServerCounters
{
    public long AllocationsCreated;
    public long AllocationsExpired;
    public long AllocationsDeleted;
    public long PermissionsCreated;
    public long ChannelsBound;
    public long PacketsToPeer, BytesToPeer, PacketsToClient, BytesToClient;
    public long Requests;
    public readonly long[] Errors = new long[700];
    public readonly long[] Drops = new long[Enum.GetValues<TurnDropReason>().Length];
    public readonly long[] PeerDenials = new long[Enum.GetValues<TurnPeerDenial>().Length];
    /// <summary>Authentication failures by reason: see <see cref="TurnAuthFailure"/>.</summary>
    public readonly long[] AuthFailures = new long[Enum.GetValues<TurnAuthFailure>().Length];

    public void Drop(TurnDropReason reason) => Interlocked.Increment(ref Drops[(int)reason]);
}

/// <summary>Why a request failed authentication.</summary>
public enum TurnAuthFailure : byte
{
    /// <summary>No MESSAGE-INTEGRITY: the normal first request of a client (answered 401), counted apart.</summary>
    Challenge,
    /// <summary>MESSAGE-INTEGRITY without USERNAME, REALM or NONCE (400).</summary>
    MissingAttributes,
    /// <summary>Another realm than the server's (401).</summary>
    WrongRealm,
    /// <summary>An expired or unknown nonce (438).</summary>
    StaleNonce,
    /// <summary>No such user, or an expired time-limited username (401).</summary>
    UnknownUser,
    /// <summary>MESSAGE-INTEGRITY does not verify with the user's key (401).</summary>
    BadIntegrity,
    /// <summary>A request on an allocation by another user (441).</summary>
    WrongCredentials,
}
