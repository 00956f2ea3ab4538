using System.Net;

namespace Nattt.Turn.Config;

/// <summary>
/// Everything `nattt turn-server` can be told, by turnserver.conf (<see cref="TurnServerConfigFile"/>) or flags.
/// Every default is the safe one; docs/turn.md lists each option with its default and security consequence.
/// Mutable while being built; treat as read-only once the server starts.
/// </summary>
public sealed class TurnServerOptions
{
    /// <summary>UDP and TCP client port. Defaults to 3478 (RFC 8656).</summary>
    public int ListeningPort { get; set; } = 3478;
    /// <summary>TLS client port. Defaults to 5349; 443 helps clients behind firewalls that allow nothing else.</summary>
    public int TlsListeningPort { get; set; } = 5349;
    /// <summary>Addresses to listen on. Defaults to none listed: all IPv4 addresses (0.0.0.0).</summary>
    public List<IPAddress> ListeningIps { get; } = [];
    /// <summary>Addresses relay sockets bind to. Defaults to the first listening address (or 0.0.0.0).</summary>
    public List<IPAddress> RelayIps { get; } = [];
    /// <summary>Public address advertised for a relay address behind a 1:1 NAT: (public, private or null).</summary>
    public List<(IPAddress Public, IPAddress? Private)> ExternalIps { get; } = [];
    /// <summary>Relay port range. Defaults to 49152..65535 (RFC 8656 section 7.2).</summary>
    public int MinPort { get; set; } = 49152;
    public int MaxPort { get; set; } = 65535;
    /// <summary>The long-term credential realm. Defaults to "nattt".</summary>
    public string Realm { get; set; } = "nattt";
    /// <summary>Static users (user:password or user:0xKEY).</summary>
    public List<string> Users { get; } = [];
    /// <summary>A user file in the same format, one entry per line.</summary>
    public string? UserFile { get; set; }
    /// <summary>Time-limited shared-secret credentials (coturn's use-auth-secret).</summary>
    public bool UseAuthSecret { get; set; }
    public List<string> StaticAuthSecrets { get; } = [];
    /// <summary>Separator in EXPIRY:USER usernames. Defaults to ':'.</summary>
    public char RestApiSeparator { get; set; } = ':';
    /// <summary>Relay for anyone without credentials. Defaults to false; true makes an open relay.</summary>
    public bool NoAuth { get; set; }
    /// <summary>TLS certificate and key (PEM). Without them TLS is off.</summary>
    public string? CertFile { get; set; }
    public string? KeyFile { get; set; }
    /// <summary>Allocations in total. Defaults to 10000 (0 = unlimited); bounds memory and relay ports.</summary>
    public int TotalQuota { get; set; } = 10000;
    /// <summary>Allocations per user. Defaults to 100 (0 = unlimited); one leaked credential cannot take the server.</summary>
    public int UserQuota { get; set; } = 100;
    /// <summary>Bytes per second per allocation, each direction. Defaults to 0 (unlimited).</summary>
    public long MaxBps { get; set; }
    /// <summary>Bytes per second over all allocations. Defaults to 0 (unlimited).</summary>
    public long BpsCapacity { get; set; }
    /// <summary>Operator deny and allow ranges for peers (on top of the built-in deny list).</summary>
    public List<IPNetwork> DeniedPeers { get; } = [];
    public List<IPNetwork> AllowedPeers { get; } = [];
    /// <summary>Relay to 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32. Defaults to false (labs only).</summary>
    public bool AllowDocumentationPeers { get; set; }
    /// <summary>Transports (all on by default; TLS needs a certificate).</summary>
    public bool NoUdp { get; set; }
    public bool NoTcp { get; set; }
    public bool NoTls { get; set; }
    /// <summary>RFC 6062 TCP relays. Not implemented; kept so coturn configs parse.</summary>
    public bool NoTcpRelay { get; set; }
    /// <summary>Nonce lifetime in seconds. Defaults to 600.</summary>
    public int StaleNonceSeconds { get; set; } = 600;
    /// <summary>Longest allocation lifetime a client may ask for, seconds. Defaults to 3600 (RFC 8656).</summary>
    public int MaxAllocateLifetimeSeconds { get; set; } = 3600;
    /// <summary>Channel binding lifetime, seconds. Defaults to 600 (RFC 8656 section 12).</summary>
    public int ChannelLifetimeSeconds { get; set; } = 600;
    /// <summary>Permission lifetime, seconds. Defaults to 300 (RFC 8656 section 9).</summary>
    public int PermissionLifetimeSeconds { get; set; } = 300;
    /// <summary>Permissions per allocation. Defaults to 1000.</summary>
    public int MaxPermissionsPerAllocation { get; set; } = 1000;
    /// <summary>Accept channel numbers 0x5000-0x7FFF too, as RFC 5766 did and coturn and its clients still use.
    /// Defaults to true (interoperability); false keeps RFC 8656's 0x4000-0x4FFF.</summary>
    public bool Rfc5766ChannelRange { get; set; } = true;
    /// <summary>Log file (otherwise the console).</summary>
    public string? LogFile { get; set; }
    /// <summary>Serve Prometheus metrics over HTTP. Defaults to off; the port defaults to 9641 (coturn's).</summary>
    public bool Prometheus { get; set; }
    public int PrometheusPort { get; set; } = 9641;
    public IPAddress PrometheusAddress { get; set; } = IPAddress.Loopback;
    /// <summary>SOFTWARE attribute value. Defaults to "nattt".</summary>
    public string Software { get; set; } = "nattt";

    /// <summary>Problems that keep the server from starting (empty when valid).</summary>
    public List<string> Validate()
    {
        var problems = new List<string>();
        if (ListeningPort is < 1 or > 65535) problems.Add($"listening-port {ListeningPort} is not a port");
        if (TlsListeningPort is < 1 or > 65535) problems.Add($"tls-listening-port {TlsListeningPort} is not a port");
        if (MinPort is < 1 or > 65535 || MaxPort is < 1 or > 65535 || MinPort > MaxPort)
            problems.Add($"min-port {MinPort} / max-port {MaxPort} is not a port range");
        if (!NoAuth && !UseAuthSecret && Users.Count == 0 && UserFile is null)
            problems.Add("no credentials: give users (--user, userdb) or use-auth-secret with static-auth-secret (or --no-auth for an open relay)");
        if (UseAuthSecret && StaticAuthSecrets.Count == 0) problems.Add("use-auth-secret needs static-auth-secret");
        if ((CertFile is null) != (KeyFile is null)) problems.Add("TLS needs both cert and pkey");
        if (StaleNonceSeconds < 1) problems.Add("stale-nonce must be at least 1 second");
        if (MaxAllocateLifetimeSeconds < 60) problems.Add("max-allocate-lifetime must be at least 60 seconds");
        if (ChannelLifetimeSeconds < 1 || PermissionLifetimeSeconds < 1) problems.Add("lifetimes must be positive");
        if (Realm.Length == 0) problems.Add("realm is empty");
        return problems;
    }
}
