using System.Net;

namespace Nattt.Turn.Server;

/// <summary>How a client reaches the server.</summary>
public enum TurnTransport : byte { Udp, Tcp, Tls }

/// <summary>
/// The 5-tuple that names an allocation (RFC 8656 section 2.2): client address and port, server address and port,
/// and the transport. Over TCP and TLS one connection carries at most one allocation.
/// </summary>
public readonly record struct TurnClientKey(TurnTransport Transport, IPEndPoint Client, IPEndPoint Server)
{
    /// <summary>True for TCP and TLS, where ChannelData is padded to 4 bytes (RFC 8656 section 12.5).</summary>
    public bool IsStream => Transport != TurnTransport.Udp;

    public override string ToString() => $"{Transport.ToString().ToLowerInvariant()}:{Client}->{Server}";
}
