using Microsoft.Extensions.Logging;
using Nattt.Stun.Wire;
using Nattt.Turn.Policy;

namespace Nattt.Turn.Server;

/// <summary>The TURN server's log lines, with stable event IDs (5100-5199).</summary>
internal static partial class TurnServerLog
{
    [LoggerMessage(5101, LogLevel.Information, "allocation {Relayed} for {Client} user {User} lifetime {Lifetime}s")]
    public static partial void AllocationCreated(ILogger logger, string relayed, string client, string user, int lifetime);

    [LoggerMessage(5102, LogLevel.Information, "allocation {Relayed} of {Client} {How}")]
    public static partial void AllocationEnded(ILogger logger, string relayed, string client, string how);

    [LoggerMessage(5103, LogLevel.Warning, "refused peer {Peer} for {Client}: {Reason}")]
    public static partial void PeerDenied(ILogger logger, string client, string peer, TurnPeerDenial reason);

    [LoggerMessage(5104, LogLevel.Debug, "malformed STUN from {Client}: {Error} at byte {Offset}")]
    public static partial void Malformed(ILogger logger, string client, StunError error, int offset);

    [LoggerMessage(5105, LogLevel.Information, "authentication failed for {Client} user '{User}': {Reason}")]
    public static partial void AuthFailed(ILogger logger, string client, string user, TurnAuthFailure reason);

    [LoggerMessage(5106, LogLevel.Warning, "{Client}: {Code} {Reason}")]
    public static partial void Refused(ILogger logger, string client, int code, string reason);
}
