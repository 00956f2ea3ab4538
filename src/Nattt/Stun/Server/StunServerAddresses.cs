using System.Net;

namespace Nattt.Stun.Server;

/// <summary>
/// One of the (up to four) transport addresses an RFC 5780 server answers on: the primary or alternate IP address
/// crossed with the primary or alternate port. Without an alternate address only <see cref="Primary"/> exists.
/// </summary>
public readonly record struct StunServerEndpointId(bool AlternateIp, bool AlternatePort)
{
    public static readonly StunServerEndpointId Primary = new(false, false);

    /// <summary>0..3, for indexing a socket array.</summary>
    public int Index => (AlternateIp ? 2 : 0) | (AlternatePort ? 1 : 0);

    public static StunServerEndpointId FromIndex(int index) => new((index & 2) != 0, (index & 1) != 0);

    /// <summary>The endpoint differing in both address and port: what OTHER-ADDRESS names (RFC 5780 section 7.4).</summary>
    public StunServerEndpointId Other => new(!AlternateIp, !AlternatePort);

    public override string ToString() => $"{(AlternateIp ? "alternate" : "primary")} IP, {(AlternatePort ? "alternate" : "primary")} port";
}

/// <summary>
/// Where a STUN server listens. With <see cref="AlternateIp"/> set the server does RFC 5780 behaviour discovery
/// (and the RFC 3489 CHANGED-ADDRESS behaviour): it listens on both IPs crossed with both ports.
/// Immutable; thread-safe.
/// </summary>
public sealed class StunServerAddresses
{
    public StunServerAddresses(IPEndPoint primary, IPAddress? alternateIp = null, int? alternatePort = null)
    {
        ArgumentNullException.ThrowIfNull(primary);
        if (alternateIp is not null && alternateIp.AddressFamily != primary.AddressFamily)
            throw new ArgumentException("The alternate address must be of the primary address's family.", nameof(alternateIp));
        if (alternateIp is not null && alternateIp.Equals(primary.Address))
            throw new ArgumentException("The alternate address must differ from the primary address.", nameof(alternateIp));
        int altPort = alternatePort ?? primary.Port + 1;
        if (alternateIp is not null && (altPort is <= 0 or > 65535 || altPort == primary.Port))
            throw new ArgumentException("The alternate port must be a valid port different from the primary one.", nameof(alternatePort));
        Primary = primary;
        AlternateIp = alternateIp;
        AlternatePort = altPort;
        // Built once: the engine names these in every response, and must not allocate to do so.
        _endpoints = new IPEndPoint[4];
        for (int i = 0; i < 4; i++)
        {
            var id = StunServerEndpointId.FromIndex(i);
            _endpoints[i] = new IPEndPoint(id.AlternateIp ? alternateIp ?? primary.Address : primary.Address, id.AlternatePort ? altPort : primary.Port);
        }
    }

    private readonly IPEndPoint[] _endpoints;

    public IPEndPoint Primary { get; }
    public IPAddress? AlternateIp { get; }
    /// <summary>The alternate port (primary + 1 unless given, as coturn does). Used only with an alternate IP.</summary>
    public int AlternatePort { get; }

    /// <summary>True when RFC 5780 behaviour discovery is possible (a second IP address is configured).</summary>
    public bool SupportsBehaviourDiscovery => AlternateIp is not null;

    /// <summary>The endpoints to listen on: 1 without an alternate address, 4 with one.</summary>
    public IEnumerable<StunServerEndpointId> Endpoints =>
        SupportsBehaviourDiscovery
            ? Enumerable.Range(0, 4).Select(StunServerEndpointId.FromIndex)
            : [StunServerEndpointId.Primary];

    /// <summary>The transport address of an endpoint (a shared instance: do not modify it).</summary>
    public IPEndPoint this[StunServerEndpointId id] =>
        id == StunServerEndpointId.Primary || SupportsBehaviourDiscovery
            ? _endpoints[id.Index]
            : throw new InvalidOperationException("No alternate address configured.");
}
