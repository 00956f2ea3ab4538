using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Nattt.Dns;
using Nattt.Dns.Capture;
using Nattt.Dns.Proxy;

namespace Nattt.Cli.Commands;

/// <summary>
/// <c>nattt dns proxy</c>: the DNS proxy of <c>nattt client</c> run on its own, with stand-in addresses allocated from
/// a pool but no data plane (<see cref="DetachedStandInMappings"/>), so that a zone can be tried with dig.
/// </summary>
internal static class DnsProxyCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "Address and port to listen on (UDP and TCP). Defaults to 127.0.0.153:53, a loopback address of its own " +
                          "(not systemd-resolved's 127.0.0.53/54, not 127.0.0.1). A non-loopback address makes an open resolver.",
            DefaultValueFactory = _ => "127.0.0.153:53",
        };
        var upstream = new Option<string[]>("--upstream")
        {
            Description = "Upstream resolver ADDR[:PORT], repeatable, tried in order. Defaults to the nameservers of --resolv-conf.",
        };
        var resolvConf = new Option<string>("--resolv-conf")
        {
            Description = "The resolv.conf to read upstreams from (and to rewrite with --capture resolv-conf). Defaults to /etc/resolv.conf.",
            DefaultValueFactory = _ => "/etc/resolv.conf",
        };
        var natType = new Option<ushort>("--nat-type") { Description = "The NAT RR type code. Defaults to 65324.", DefaultValueFactory = _ => NatRecord.DefaultType };
        var noEmulation = new Option<bool>("--no-emulation") { Description = "Do not look up the A-record emulation names. Defaults to off (emulation used)." };
        var pool = new Option<string>("--pool")
        {
            Description = "Stand-in address pool. Defaults to 198.18.0.0/15 (RFC 2544 benchmarking space, never routed on the Internet).",
            DefaultValueFactory = _ => "198.18.0.0/15",
        };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for one upstream. Defaults to 2.", DefaultValueFactory = _ => 2 };
        var maxPending = new Option<int>("--max-pending") { Description = "Bound on upstream queries in flight. Defaults to 1024.", DefaultValueFactory = _ => 1024 };
        var perSocket = new Option<int>("--queries-per-socket")
        {
            Description = "Upstream queries per UDP socket before it moves to a new random port; 1 = a new port per query. Defaults to 100.",
            DefaultValueFactory = _ => 100,
        };
        var capture = new Option<string>("--capture")
        {
            Description = "Capture the host's DNS: none, resolv-conf (rewrite --resolv-conf, restored at exit) or nft (a table " +
                          "'ip nattt_dns' redirecting port 53 to the proxy, removed at exit). Defaults to none.",
            DefaultValueFactory = _ => "none",
        };
        capture.AcceptOnlyFromAmong("none", "resolv-conf", "nft");
        var force = new Option<bool>("--force-resolv-conf")
        {
            Description = "With --capture resolv-conf, replace even a symlink to systemd-resolved's stub (restored at exit). Defaults to off.",
        };
        var statsInterval = new Option<double>("--stats-interval")
        {
            Description = "Log the counters every so many seconds; 0 logs them only at exit. Defaults to 0.",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("proxy",
            "Run the NATTT DNS proxy on its own: answers A queries for names with a NAT RR (or A-record emulation) with a " +
            "stand-in address from --pool, passes everything else to the upstreams unchanged. No tunnel: 'nattt client' runs " +
            "the same proxy with its data plane. Stops on SIGTERM or Ctrl-C and logs its counters.")
        {
            listen, upstream, resolvConf, natType, noEmulation, pool, timeout, maxPending, perSocket, capture, force, statsInterval,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!IPEndPoint.TryParse(parseResult.GetValue(listen)!, out var listenAt) || listenAt.Port == 0)
                return Fail($"--listen '{parseResult.GetValue(listen)}' is not ADDR:PORT");
            var upstreams = new List<IPEndPoint>();
            foreach (var u in parseResult.GetValue(upstream) ?? [])
            {
                if (!IPEndPoint.TryParse(u, out var ep) || u.Contains('%')) return Fail($"--upstream '{u}' is not ADDR[:PORT]");
                upstreams.Add(ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep);
            }
            if (!IPNetwork.TryParse(parseResult.GetValue(pool)!, out var poolNet)) return Fail($"--pool '{parseResult.GetValue(pool)}' is not a prefix");
            var options = new DnsProxyOptions
            {
                Listen = listenAt,
                Upstreams = upstreams,
                ResolvConfPath = parseResult.GetValue(resolvConf)!,
                NatRecordType = parseResult.GetValue(natType),
                UseEmulation = !parseResult.GetValue(noEmulation),
                UpstreamTimeout = TimeSpan.FromSeconds(parseResult.GetValue(timeout)),
                MaxPendingQueries = parseResult.GetValue(maxPending),
                UpstreamQueriesPerSocket = parseResult.GetValue(perSocket),
            };
            using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }));
            var logger = loggerFactory.CreateLogger("nattt.dns");
            DetachedStandInMappings mappings;
            try
            {
                options.Validate();
                mappings = new DetachedStandInMappings(poolNet, TimeProvider.System);
            }
            catch (ArgumentException e)
            {
                return Fail(e.Message);
            }

            var mode = parseResult.GetValue(capture);
            ResolvConfCapture? resolvCapture = null;
            NftRedirectCapture? nftCapture = null;
            try
            {
                if (mode == "resolv-conf")
                {
                    resolvCapture = new ResolvConfCapture(options.ResolvConfPath);
                    var original = resolvCapture.Install(listenAt.Address, parseResult.GetValue(force));
                    if (upstreams.Count == 0) options = options with { Upstreams = original };
                }
                if (mode == "nft")
                {
                    // Before the host says "ready": a query in between meets a closed port, never a missing capture.
                    nftCapture = new NftRedirectCapture();
                    nftCapture.Install(listenAt, options.UpstreamSocketMark);
                }
                await using var host = await DnsProxyHost.StartAsync(options, mappings, TimeProvider.System, logger);
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
                var interval = parseResult.GetValue(statsInterval);
                try
                {
                    while (true)
                    {
                        await Task.Delay(interval > 0 ? TimeSpan.FromSeconds(interval) : Timeout.InfiniteTimeSpan, stop.Token);
                        logger.LogInformation("dns counters {Counters}", host.Counters.Format());
                    }
                }
                catch (OperationCanceledException) { /* SIGTERM or Ctrl-C: stop cleanly */ }
            }
            catch (SocketException e)
            {
                return Fail($"cannot listen on {listenAt}: {e.Message}" + (listenAt.Port < 1024 ? " (port below 1024 needs root)" : ""));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                return Fail(e.Message);
            }
            finally
            {
                nftCapture?.Uninstall();
                resolvCapture?.Uninstall();
            }
            return 0;
        });
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("nattt dns proxy: " + message);
        return 2;
    }
}
