using System.CommandLine;
using System.Net;
using Nattt.Tunnel;

namespace Nattt.Cli.Commands;

/// <summary><c>nattt box</c>: the NATTT box on a NAT gateway (figure 1), or a NATTT proxy behind one (figure 5).</summary>
internal static class BoxCommand
{
    private static readonly Option<string> Listen = new("--listen")
    {
        Description = "Address and UDP port the tunnel arrives on. [::]:PORT accepts IPv4 and IPv6. Defaults to 0.0.0.0:100.",
        DefaultValueFactory = _ => "0.0.0.0:100",
    };
    private static readonly Option<string[]> Publish = new("--publish")
    {
        Description = "Publish HOST[/LEN]:PROTO[/PORT[-PORT]] to the tunnel, e.g. 10.0.0.2:tcp/80, 10.0.0.0/24:udp/5000-5100, " +
                      "10.0.0.2:icmp (echo), 10.0.0.2:any, [fd00::2]:tcp/22. Repeatable. Defaults to nothing published: " +
                      "every other packet is dropped and counted.",
        AllowMultipleArgumentsPerToken = false,
    };
    private static readonly Option<string> Tun = new("--tun") { Description = "Name of the TUN device for replies. Defaults to nattt-box.", DefaultValueFactory = _ => "nattt-box" };
    private static readonly Option<int> TunMtu = new("--tun-mtu") { Description = "MTU of the TUN device. Defaults to 1472 (a 1500-byte link minus one IPv4/UDP level).", DefaultValueFactory = _ => 1472 };
    private static readonly Option<string> Mark = new("--mark") { Description = "Conntrack/packet mark steering replies to the TUN device (hex or decimal). Defaults to 0x6e74.", DefaultValueFactory = _ => "0x6e74" };
    private static readonly Option<int> RouteTable = new("--route-table") { Description = "Routing table for the route to the TUN device. Defaults to 28276.", DefaultValueFactory = _ => 28276 };
    private static readonly Option<int> MaxFlows = new("--max-flows") { Description = "Most flows in total; new flows beyond it are dropped and counted, existing ones keep working. Defaults to 65536.", DefaultValueFactory = _ => 65536 };
    private static readonly Option<int> MaxFlowsPerSource = new("--max-flows-per-source") { Description = "Most flows per outer source address. Defaults to 4096.", DefaultValueFactory = _ => 4096 };
    private static readonly Option<int> TcpIdle = new("--tcp-idle") { Description = "Seconds a TCP flow may be idle. Defaults to 7440 (RFC 5382).", DefaultValueFactory = _ => 7440 };
    private static readonly Option<int> UdpIdle = new("--udp-idle") { Description = "Seconds a UDP flow may be idle. Defaults to 300 (RFC 4787).", DefaultValueFactory = _ => 300 };
    private static readonly Option<int> IcmpIdle = new("--icmp-idle") { Description = "Seconds an ICMP echo flow may be idle. Defaults to 60.", DefaultValueFactory = _ => 60 };
    private static readonly Option<string> SourceNat = new("--source-nat")
    {
        Description = "Source address of forwarded packets: 'client' keeps the client's public address (the box is the " +
                      "network's gateway, figures 1-3); 'self' masquerades them to this host's address so that replies " +
                      "come back even when the destination's default route points at another router (a NATTT proxy " +
                      "behind a legacy NAT that forwards only the tunnel port, figure 5). Defaults to client.",
        DefaultValueFactory = _ => "client",
    };
    private static readonly Option<string> Control = new("--control-socket") { Description = "Unix socket for 'nattt status'. Defaults to /run/nattt/box.sock.", DefaultValueFactory = _ => "/run/nattt/box.sock" };

    private static readonly Option<string?> MetricsListen = new("--metrics-listen") { Description = "Serve Prometheus metrics (GET /metrics) over HTTP on ADDRESS:PORT, e.g. 127.0.0.1:9477. Defaults to off." };
    private static readonly Option<bool> NoBatching = new("--no-batching") { Description = "Move tunnel datagrams one per system call instead of in batches (recvmmsg/sendmmsg), to compare or to work around. Defaults to false (batches where the kernel allows)." };

    public static Command Create()
    {
        var command = new Command("box",
            "Run a NATTT box: receive UDP tunnel packets, forward their inner packets into the private network (rewriting " +
            "the source as a NAPT when the client is behind a legacy NAT), and tunnel the replies back. Runs on the NAT " +
            "gateway itself, or on any host behind a legacy NAT that forwards the tunnel port to it (a NATTT proxy). " +
            "Needs root and net.ipv4.ip_forward=1. Publishes nothing unless told with --publish.");
        foreach (var o in new Option[] { Listen, Publish, Tun, TunMtu, Mark, RouteTable, MaxFlows, MaxFlowsPerSource, TcpIdle, UdpIdle, IcmpIdle, SourceNat, Control, MetricsListen, NoBatching })
            command.Options.Add(o);
        CliSupport.AddDaemonOptions(command);
        command.SetAction((result, _) => CliSupport.RunDaemonAsync("box", async () =>
        {
            var options = Build(CliSupport.Effective.Load(result));
            var loggers = CliSupport.CreateLoggers(result);
            var host = new BoxHost(options, loggers, TimeProvider.System);
            host.Start();
            await Task.CompletedTask;
            return host;
        }));
        return command;
    }

    private static BoxOptions Build(CliSupport.Effective o)
    {
        if (!IPEndPoint.TryParse(o.Get(Listen), out var listen) || listen.Port == 0)
            throw new UsageException($"--listen '{o.Get(Listen)}' is not ADDRESS:PORT");
        var rules = new List<PublishRule>();
        foreach (var text in o.Get(Publish) ?? [])
        {
            if (!PublishRule.TryParse(text, out var rule, out var error)) throw new UsageException($"--publish {error}");
            rules.Add(rule!);
        }
        var markText = o.Get(Mark);
        if (!(markText.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? uint.TryParse(markText[2..], System.Globalization.NumberStyles.HexNumber, null, out var mark)
                : uint.TryParse(markText, out mark)))
            throw new UsageException($"--mark '{markText}' is not a number");
        var sourceNat = o.Get(SourceNat) switch
        {
            "client" => BoxSourceNat.Client,
            "self" => BoxSourceNat.Self,
            var other => throw new UsageException($"--source-nat '{other}' must be client or self"),
        };
        IPEndPoint? metrics = null;
        if (o.Get(MetricsListen) is { } metricsText && (!IPEndPoint.TryParse(metricsText, out metrics) || metrics.Port == 0))
            throw new UsageException($"--metrics-listen '{metricsText}' is not ADDRESS:PORT");
        var options = new BoxOptions
        {
            SourceNat = sourceNat,
            MetricsListen = metrics,
            UdpBatching = o.Get(NoBatching) ? Platform.Linux.UdpBatchMode.Plain : Platform.Linux.UdpBatchMode.Auto,
            Listen = listen,
            Publish = rules,
            TunName = o.Get(Tun),
            TunMtu = o.Get(TunMtu),
            Mark = mark,
            RouteTable = o.Get(RouteTable),
            ControlSocket = o.Get(Control),
            Limits = new BoxFlowLimits
            {
                MaxFlows = o.Get(MaxFlows),
                MaxFlowsPerSource = o.Get(MaxFlowsPerSource),
                TcpIdle = TimeSpan.FromSeconds(o.Get(TcpIdle)),
                UdpIdle = TimeSpan.FromSeconds(o.Get(UdpIdle)),
                IcmpIdle = TimeSpan.FromSeconds(o.Get(IcmpIdle)),
            },
        };
        var problems = options.Validate();
        if (problems.Count > 0) throw new UsageException(problems[0]);
        return options;
    }
}
