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
    private static readonly Option<string> Tun = new("--tun") { Description = "Name of the TUN device. Defaults to nattt0.", DefaultValueFactory = _ => "nattt0" };
    private static readonly Option<int> TunMtu = new("--tun-mtu") { Description = "MTU of the TUN device. Defaults to 1400 (three IPv4 nesting levels fit in a 1500-byte path).", DefaultValueFactory = _ => 1400 };
    private static readonly Option<int> Port = new("--port") { Description = "Local UDP port of the tunnel socket. Defaults to 0 (ephemeral).", DefaultValueFactory = _ => 0 };
    private static readonly Option<int> Keepalive = new("--keepalive") { Description = "Seconds between keepalives to active boxes (keeps a legacy NAT's mapping); 0 disables. Defaults to 25.", DefaultValueFactory = _ => 25 };
    private static readonly Option<int> MappingIdle = new("--mapping-idle") { Description = "Seconds a DNS-learnt mapping stays unused after its TTL. Defaults to 300.", DefaultValueFactory = _ => 300 };
    private static readonly Option<string> Control = new("--control-socket") { Description = "Unix socket for 'nattt status'. Defaults to /run/nattt/client.sock.", DefaultValueFactory = _ => "/run/nattt/client.sock" };

    private static readonly Option<bool> NoBatching = new("--no-batching") { Description = "Move tunnel datagrams one per system call instead of in batches (recvmmsg/sendmmsg), to compare or to work around. Defaults to false (batches where the kernel allows)." };

    public static Command Create()
    {
        var command = new Command("client",
            "Run the NATTT client daemon (natttd): hand applications a stand-in address per destination, capture their " +
            "packets on a TUN device, and tunnel them in UDP through the destination's NATTT boxes. Unmodified programs " +
            "(curl, ssh, ping, iperf3) then reach hosts behind NATs. Needs root.");
        foreach (var o in new Option[] { Map, Pool, Tun, TunMtu, Port, Keepalive, MappingIdle, Control, NoBatching }) command.Options.Add(o);
        CliSupport.AddDaemonOptions(command);
        command.SetAction((result, _) => CliSupport.RunDaemonAsync("client", async () =>
        {
            var options = Build(CliSupport.Effective.Load(result));
            var host = new ClientHost(options, CliSupport.CreateLoggers(result), TimeProvider.System);
            host.Start();
            await Task.CompletedTask;
            return host;
        }));
        return command;
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
        var options = new ClientOptions
        {
            UdpBatching = o.Get(NoBatching) ? Nattt.Platform.Linux.UdpBatchMode.Plain : Nattt.Platform.Linux.UdpBatchMode.Auto,
            Mappings = mappings,
            Pool = pool,
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
