using System.Net;

namespace Nattt.Tunnel;

/// <summary>Options of <c>nattt box</c>. Validated by <see cref="Validate"/> before anything is touched.</summary>
public sealed record BoxOptions
{
    /// <summary>Where tunnel datagrams arrive. Defaults to 0.0.0.0:100 (the paper's well-known port).
    /// Use [::]:100 for IPv4 and IPv6 outer addresses on one dual-mode socket.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Any, Encapsulation.DefaultPort);

    /// <summary>What the box forwards into the private network. Defaults to nothing: a box that tunnels anyone into
    /// the whole LAN is a hole, so every host, protocol and port must be published explicitly.</summary>
    public IReadOnlyList<PublishRule> Publish { get; init; } = [];

    /// <summary>The TUN device that replies from the private network are routed to. Defaults to "nattt-box".</summary>
    public string TunName { get; init; } = "nattt-box";

    /// <summary>The TUN device's MTU. Defaults to 1472: a 1500-byte link minus one IPv4/UDP level, so that replies
    /// fit in one tunnel datagram; the kernel answers larger ones with "fragmentation needed".</summary>
    public int TunMtu { get; init; } = 1472;

    /// <summary>The conntrack and packet mark that steers replies to the TUN device. Defaults to 0x6e74.</summary>
    public uint Mark { get; init; } = 0x6e74;

    /// <summary>The routing table holding the route to the TUN device. Defaults to 28276.</summary>
    public int RouteTable { get; init; } = 28276;

    public BoxFlowLimits Limits { get; init; } = new();

    /// <summary>Whose address the forwarded packets leave with. Defaults to <see cref="BoxSourceNat.Client"/> (a box on
    /// the gateway); <see cref="BoxSourceNat.Self"/> makes a NATTT proxy (figure 5) on a host behind a legacy NAT.</summary>
    public BoxSourceNat SourceNat { get; init; } = BoxSourceNat.Client;

    /// <summary>How the tunnel socket moves datagrams. Defaults to <see cref="Platform.Linux.UdpBatchMode.Auto"/>
    /// (recvmmsg/sendmmsg where the kernel has them, else one datagram per call); <c>--no-batching</c> forces plain.</summary>
    public Platform.Linux.UdpBatchMode UdpBatching { get; init; } = Platform.Linux.UdpBatchMode.Auto;

    /// <summary>Where to serve Prometheus metrics (GET /metrics over HTTP). Defaults to null: off.</summary>
    public IPEndPoint? MetricsListen { get; init; }

    /// <summary>The control socket for <c>nattt status</c>. Defaults to /run/nattt/box.sock.</summary>
    public string ControlSocket { get; init; } = "/run/nattt/box.sock";

    /// <summary>Returns the problems with these options, one sentence each; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (TunName.Length is 0 or > 15) problems.Add($"--tun '{TunName}' must be 1 to 15 characters");
        if (TunMtu is < 576 or > 65535) problems.Add($"--tun-mtu {TunMtu} must be between 576 and 65535");
        if (Mark == 0) problems.Add("--mark must not be 0");
        if (RouteTable is <= 0 or 253 or 254 or 255) problems.Add($"--route-table {RouteTable} must be a free table number (not 0, 253, 254, 255)");
        if (Limits.MaxFlows < 1) problems.Add("--max-flows must be at least 1");
        if (Limits.MaxFlowsPerSource < 1) problems.Add("--max-flows-per-source must be at least 1");
        return problems;
    }
}

/// <summary>The source address a box gives the packets it forwards into its private network.</summary>
public enum BoxSourceNat
{
    /// <summary>The client's outer (public) address: the box is the private network's gateway, so the replies pass
    /// through it anyway (figures 1 to 3).</summary>
    Client,

    /// <summary>The box host's own address, by a kernel masquerade of what leaves the TUN device: the box is an ordinary
    /// host whose neighbours route to another gateway (a legacy NAT), so only its own address brings the replies back
    /// (figure 5, the NATTT proxy). The destination sees the proxy, not the client.</summary>
    Self,
}
