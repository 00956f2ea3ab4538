using System.CommandLine;
using System.Net;
using Nattt.Tunnel;

namespace Nattt.Cli.Commands;

/// <summary><c>nattt client</c>: the paper's natttd, the client daemon.</summary>
internal static class ClientCommand
{
    private static readonly Option<string[]> Map = new("--map")
    {
        Description = "A destination: [NAME=]HOP[:PORT],...,DEST[@STANDIN], hops outermost first (port 100 when omitted), " +
                      "e.g. web=203.0.113.1:100,10.0.0.2 or deep=203.0.113.1,10.0.0.5,10.1.0.7@198.18.0.10. Applications " +
                      "reach DEST at the stand-in address (printed at start and by 'nattt status'). Repeatable. Defaults to none.",
    };
    private static readonly Option<string> Pool = new("--pool")
    {
        Description = "Stand-in address pool routed to the TUN device; its first host is the client's own inner address. " +
                      "Defaults to 198.18.0.0/15 (RFC 2544 benchmarking range: never routed on the Internet, not loopback).",
        DefaultValueFactory = _ => "198.18.0.0/15",
    };
    private static readonly Option<string> Pool6 = new("--pool6")
    {
        Description = "IPv6 stand-in pool (IPv6 destinations, AAAA answers), prefix length 64 to 120; its first host is the " +
                      "client's own inner IPv6 address. Defaults to fd6e:6174:7474::/64 (a unique local /64, RFC 4193).",
        DefaultValueFactory = _ => StandInTable.DefaultPool6.ToString(),
    };
    private static readonly Option<string> Tun = new("--tun") { Description = "Name of the TUN device. Defaults to nattt0.", DefaultValueFactory = _ => "nattt0" };
    private static readonly Option<int> TunMtu = new("--tun-mtu") { Description = "MTU of the TUN device. Defaults to 1400 (three IPv4 nesting levels fit in a 1500-byte path).", DefaultValueFactory = _ => 1400 };
    private static readonly Option<int> Port = new("--port") { Description = "Local UDP port of the tunnel socket. Defaults to 0 (ephemeral).", DefaultValueFactory = _ => 0 };
    private static readonly Option<int> Keepalive = new("--keepalive") { Description = "Seconds between keepalives to active boxes (keeps a legacy NAT's mapping); 0 disables. Defaults to 25.", DefaultValueFactory = _ => 25 };
    private static readonly Option<int> MappingIdle = new("--mapping-idle") { Description = "Seconds a DNS-learnt mapping stays unused after its TTL. Defaults to 300.", DefaultValueFactory = _ => 300 };
    private static readonly Option<string> Control = new("--control-socket") { Description = "Unix socket for 'nattt status'. Defaults to /run/nattt/client.sock.", DefaultValueFactory = _ => "/run/nattt/client.sock" };
    private static readonly Option<bool> NoDns = new("--no-dns") { Description = "Run no DNS proxy: destinations come from --map only. Defaults to off (the proxy runs)." };
    private static readonly Option<string> DnsListen = new("--dns-listen")
    {
        Description = "Where the DNS proxy listens (UDP and TCP). Defaults to 127.0.0.153:53, a loopback address of its own " +
                      "(not systemd-resolved's 127.0.0.53). A non-loopback address makes an open resolver.",
        DefaultValueFactory = _ => "127.0.0.153:53",
    };
    private static readonly Option<string[]> DnsUpstream = new("--dns-upstream")
    {
        Description = "Upstream resolver ADDR[:PORT], repeatable, tried in order. Defaults to the nameservers of /etc/resolv.conf.",
    };
    private static readonly Option<string> DnsCaptureMode = new("--dns-capture")
    {
        Description = "Capture the host's DNS: none; resolv-conf (point /etc/resolv.conf at the proxy, restored at exit; refuses a " +
                      "systemd-resolved stub symlink without --force-resolv-conf); nft (redirect port 53 to the proxy with an nft " +
                      "table removed at exit, harmless alongside systemd-resolved). Defaults to none.",
        DefaultValueFactory = _ => "none",
    };
    private static readonly Option<bool> ForceResolvConf = new("--force-resolv-conf") { Description = "With --dns-capture resolv-conf, replace even a symlink to systemd-resolved's stub. Defaults to off." };
    private static readonly Option<ushort> NatType = new("--nat-type") { Description = "The NAT resource record's type code. Defaults to 65324 (the NAT3D prototype's).", DefaultValueFactory = _ => Nattt.Dns.NatRecord.DefaultType };

    private static readonly Option<bool> NoBatching = new("--no-batching") { Description = "Move tunnel datagrams one per system call instead of in batches (recvmmsg/sendmmsg), to compare or to work around. Defaults to false (batches where the kernel allows)." };

    public static Command Create()
    {
        var command = new Command("client",
            "Run the NATTT client daemon (natttd): hand applications a stand-in address per destination, capture their " +
            "packets on a TUN device, and tunnel them in UDP through the destination's NATTT boxes. Unmodified programs " +
            "(curl, ssh, ping, iperf3) then reach hosts behind NATs. Needs root.");
        foreach (var o in new Option[] { Map, Pool, Pool6, Tun, TunMtu, Port, Keepalive, MappingIdle, Control, NoBatching, NoDns, DnsListen, DnsUpstream, DnsCaptureMode, ForceResolvConf, NatType })
            command.Options.Add(o);
        DnsCaptureMode.AcceptOnlyFromAmong("none", "resolv-conf", "nft");
        CliSupport.AddDaemonOptions(command);
        command.SetAction((result, _) => CliSupport.RunDaemonAsync("client", async () =>
        {
            var effective = CliSupport.Effective.Load(result);
            var options = Build(effective);
            var dns = BuildDns(effective, out var capture);
            return await ClientDaemon.StartAsync(options, dns, capture, effective.Get(ForceResolvConf), CliSupport.CreateLoggers(result));
        }));
        return command;
    }

    private static Nattt.Dns.Proxy.DnsProxyOptions? BuildDns(CliSupport.Effective o, out DnsCapture capture)
    {
        capture = o.Get(DnsCaptureMode) switch { "resolv-conf" => DnsCapture.ResolvConf, "nft" => DnsCapture.Nft, _ => DnsCapture.None };
        if (o.Get(NoDns))
        {
            if (capture != DnsCapture.None) throw new UsageException("--dns-capture needs the DNS proxy (drop --no-dns)");
            return null;
        }
        if (!IPEndPoint.TryParse(o.Get(DnsListen), out var listen) || listen.Port == 0)
            throw new UsageException($"--dns-listen '{o.Get(DnsListen)}' is not ADDR:PORT");
        var upstreams = new List<IPEndPoint>();
        foreach (var u in o.Get(DnsUpstream) ?? [])
        {
            if (!IPEndPoint.TryParse(u, out var ep)) throw new UsageException($"--dns-upstream '{u}' is not ADDR[:PORT]");
            upstreams.Add(ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep);
        }
        return new Nattt.Dns.Proxy.DnsProxyOptions { Listen = listen, Upstreams = upstreams, NatRecordType = o.Get(NatType) };
    }

    private static ClientOptions Build(CliSupport.Effective o)
    {
        var mappings = new List<StaticMapping>();
        foreach (var text in o.Get(Map) ?? [])
        {
            if (!StaticMapping.TryParse(text, out var m, out var error)) throw new UsageException($"--map {error}");
            mappings.Add(m!);
        }
        if (!IPNetwork.TryParse(o.Get(Pool), out var pool)) throw new UsageException($"--pool '{o.Get(Pool)}' is not an address prefix");
        if (!IPNetwork.TryParse(o.Get(Pool6), out var pool6)) throw new UsageException($"--pool6 '{o.Get(Pool6)}' is not an address prefix");
        var options = new ClientOptions
        {
            UdpBatching = o.Get(NoBatching) ? Nattt.Platform.Linux.UdpBatchMode.Plain : Nattt.Platform.Linux.UdpBatchMode.Auto,
            Mappings = mappings,
            Pool = pool,
            Pool6 = pool6,
            TunName = o.Get(Tun),
            TunMtu = o.Get(TunMtu),
            LocalPort = o.Get(Port),
            Keepalive = TimeSpan.FromSeconds(o.Get(Keepalive)),
            MappingIdle = TimeSpan.FromSeconds(o.Get(MappingIdle)),
            ControlSocket = o.Get(Control),
        };
        var problems = options.Validate();
        if (problems.Count > 0) throw new UsageException(problems[0]);
        return options;
    }
}
