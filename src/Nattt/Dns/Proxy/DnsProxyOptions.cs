using System.Net;

namespace Nattt.Dns.Proxy;

/// <summary>
/// Options of the NATTT DNS proxy (<see cref="DnsProxyHost"/>). Every option says its default and, where it matters,
/// its security consequence. Validated by <see cref="Validate"/> when the host starts. docs/dns.md lists them too.
/// </summary>
public sealed record DnsProxyOptions
{
    /// <summary>Where the proxy listens, UDP and TCP. Defaults to 127.0.0.153:53: a loopback address of its own, so
    /// that it never collides with systemd-resolved (127.0.0.53, 127.0.0.54) or a local dnsmasq/BIND (127.0.0.1), and
    /// is never reachable from other hosts. Listening on a non-loopback address makes it an open resolver for that
    /// network: do that only behind a firewall.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Parse("127.0.0.153"), 53);

    /// <summary>Upstream resolvers, tried in order. Defaults to empty: the nameservers of /etc/resolv.conf (or of
    /// <see cref="ResolvConfPath"/>), except the proxy's own address.</summary>
    public IReadOnlyList<IPEndPoint> Upstreams { get; init; } = [];

    /// <summary>The file the upstreams are read from when <see cref="Upstreams"/> is empty. Defaults to
    /// /etc/resolv.conf.</summary>
    public string ResolvConfPath { get; init; } = "/etc/resolv.conf";

    /// <summary>The NAT RR type code. Defaults to 65324 (the NAT3D prototype's, private use).</summary>
    public ushort NatRecordType { get; init; } = NatRecord.DefaultType;

    /// <summary>Whether to try the A-record emulation names (docs/nat-rr.md section 4) when there is no NAT RR.
    /// Defaults to true. Each miss then costs two to three more upstream queries (cached negatively).</summary>
    public bool UseEmulation { get; init; } = true;

    /// <summary>How long to wait for one upstream's answer before trying the next. Defaults to 2 s.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Bound on upstream queries in flight. Defaults to 1024. Beyond it queries get SERVFAIL and are counted
    /// (<c>TooManyPending</c>), so that a flood cannot exhaust sockets or memory.</summary>
    public int MaxPendingQueries { get; init; } = 1024;

    /// <summary>UDP sockets towards the upstreams, each on its own random port. Defaults to 32.</summary>
    public int UpstreamUdpSockets { get; init; } = 32;

    /// <summary>Queries one upstream UDP socket carries before it is closed and replaced by one on a new random port.
    /// Defaults to 100. 1 gives every query its own socket and port (RFC 5452's strictest reading) at about a fifth of
    /// the throughput; larger values let an attacker who learns a port use it longer (the 16-bit random ID still has
    /// to be guessed, and answers must come from the server's address and port).</summary>
    public int UpstreamQueriesPerSocket { get; init; } = 100;

    /// <summary>Bound on open client TCP connections. Defaults to 64; more are closed at once and counted.</summary>
    public int MaxTcpConnections { get; init; } = 64;

    /// <summary>An idle client TCP connection is closed after this. Defaults to 10 s (RFC 7766 6.2.3 suggests seconds).</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound of a synthesised answer's TTL (it is also bounded by the NAT RR's or emulation records'
    /// TTL and by the negative answer's TTL). Defaults to 300 s.</summary>
    public TimeSpan MaxSynthesizedTtl { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>How long "this name has no NAT path" is remembered (bounded by the negative answer's TTL). Defaults
    /// to 30 s.</summary>
    public TimeSpan NegativeCacheTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on cached NAT path lookups. Defaults to 10,000 names.</summary>
    public int MaxCachedPaths { get; init; } = 10_000;

    /// <summary>SO_MARK set on upstream sockets so that the nftables capture (docs/dns.md) does not redirect the
    /// proxy's own queries back to itself. Defaults to 0x4e54 ("NT"); 0 sets no mark.</summary>
    public int UpstreamSocketMark { get; init; } = 0x4e54;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line reason for an option out of range.</summary>
    public void Validate()
    {
        if (Listen.Port == 0) throw new ArgumentException("the listen port must not be 0");
        if (MaxPendingQueries < 1) throw new ArgumentException("MaxPendingQueries must be at least 1");
        if (MaxTcpConnections < 1) throw new ArgumentException("MaxTcpConnections must be at least 1");
        if (UpstreamTimeout <= TimeSpan.Zero) throw new ArgumentException("UpstreamTimeout must be positive");
        if (UpstreamUdpSockets < 1 || UpstreamQueriesPerSocket < 1) throw new ArgumentException("UpstreamUdpSockets and UpstreamQueriesPerSocket must be at least 1");
        if (MaxCachedPaths < 1) throw new ArgumentException("MaxCachedPaths must be at least 1");
        if (Upstreams.Any(u => u.Equals(Listen))) throw new ArgumentException($"the proxy's own address {Listen} cannot be its upstream");
    }
}
