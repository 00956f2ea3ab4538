using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Nattt.Stun.Client;

namespace Nattt.Cli.Commands;

/// <summary>`nattt stun SERVER[:PORT]`: the mapped address and, against an RFC 5780 server, the NAT's behaviour.</summary>
internal static class StunCommand
{
    public static Command Create()
    {
        var server = new Argument<string>("server") { Description = "STUN server: HOST, HOST:PORT, IP, IP:PORT or [IPv6]:PORT. The port defaults to 3478." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON. Defaults to false (sentences)." };
        var noHairpin = new Option<bool>("--no-hairpin") { Description = "Skip the hairpinning test. Defaults to false." };
        var lifetime = new Option<bool>("--lifetime")
        {
            Description = "Also measure how long an idle NAT binding lives (RFC 5780 section 4.6). Takes up to about twice --lifetime-max. Defaults to false.",
        };
        var lifetimeMax = new Option<int>("--lifetime-max")
        {
            Description = "Longest idle time probed, in seconds. Defaults to 120.",
            DefaultValueFactory = _ => 120,
        };
        var lifetimeMin = new Option<int>("--lifetime-min") { Description = "Shortest idle time probed, in seconds. Defaults to 2.", DefaultValueFactory = _ => 2 };
        var rto = new Option<int>("--rto")
        {
            Description = "Initial retransmission time-out in milliseconds (RFC 8489 section 6.2.1). Defaults to 500.",
            DefaultValueFactory = _ => 500,
        };
        var attempts = new Option<int>("--attempts")
        {
            Description = "Requests per test before it counts as unanswered (Rc); the last waits 4 x RTO. Defaults to 4 (5.5 s per unanswered test; RFC 8489 uses 7).",
            DefaultValueFactory = _ => 4,
        };

        var command = new Command("stun", "Ask a STUN server for your public (mapped) address; against an RFC 5780 server also tell the NAT's mapping and filtering behaviour, hairpinning and (--lifetime) binding lifetime.")
        {
            server,
        };
        foreach (var o in new Option[] { json, noHairpin, lifetime, lifetimeMax, lifetimeMin, rto, attempts }) command.Options.Add(o);

        command.SetAction(async (parse, cancellationToken) =>
        {
            var endPoint = await ResolveAsync(parse.GetValue(server)!, cancellationToken);
            if (endPoint is null) return Fail($"cannot resolve '{parse.GetValue(server)}'");
            if (parse.GetValue(rto) <= 0 || parse.GetValue(attempts) <= 0) return Fail("--rto and --attempts must be positive");
            if (parse.GetValue(lifetimeMin) <= 0 || parse.GetValue(lifetimeMax) < parse.GetValue(lifetimeMin))
                return Fail("--lifetime-min must be positive and at most --lifetime-max");
            var policy = new StunRetransmissionPolicy(TimeSpan.FromMilliseconds(parse.GetValue(rto)), parse.GetValue(attempts), 4);
            var discovery = new StunBehaviourDiscovery(new UdpStunTransportFactory(), new StunBindingClient(TimeProvider.System, policy), TimeProvider.System);
            var options = new StunBehaviourDiscoveryOptions
            {
                Hairpinning = !parse.GetValue(noHairpin),
                Lifetime = parse.GetValue(lifetime),
                LifetimeMax = TimeSpan.FromSeconds(parse.GetValue(lifetimeMax)),
                LifetimeMin = TimeSpan.FromSeconds(parse.GetValue(lifetimeMin)),
            };
            NatBehaviourReport report;
            try { report = await discovery.RunAsync(endPoint, options, cancellationToken); }
            catch (SocketException e) { return Fail($"network error: {e.Message}"); }
            Console.Write(parse.GetValue(json) ? NatBehaviourText.ToJson(report) + Environment.NewLine : NatBehaviourText.ToText(report));
            return report.Error is null ? 0 : 1;
        });
        return command;
    }

    private static async Task<IPEndPoint?> ResolveAsync(string text, CancellationToken cancellationToken)
    {
        if (IPEndPoint.TryParse(text, out var ep)) return ep.Port == 0 ? new IPEndPoint(ep.Address, 3478) : ep;
        string host = text;
        int port = 3478;
        int colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], out int p) && p is > 0 and <= 65535) { host = text[..colon]; port = p; }
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            return address is null ? null : new IPEndPoint(address, port);
        }
        catch (SocketException) { return null; }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("nattt stun: " + message);
        return 2;
    }
}
