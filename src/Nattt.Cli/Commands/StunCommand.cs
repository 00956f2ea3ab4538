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

        var user = new Option<string?>("--user") { Description = "User name, for servers that require long-term credentials. Defaults to none." };
        var password = new Option<string?>("--password") { Description = "Password for --user. Defaults to none." };
        var tcp = new Option<bool>("--tcp") { Description = "Only ask for the mapped address over TCP (no behaviour tests). Defaults to false (UDP)." };
        var tls = new Option<bool>("--tls") { Description = "Only ask for the mapped address over TLS (port defaults to 5349). Defaults to false." };
        var insecure = new Option<bool>("--insecure") { Description = "With --tls, accept any certificate (self-signed test servers). Defaults to false (the certificate must match the host name)." };
        var command = new Command("stun", "Ask a STUN server for your public (mapped) address; against an RFC 5780 server also tell the NAT's mapping and filtering behaviour, hairpinning and (--lifetime) binding lifetime.")
        {
            server,
        };
        foreach (var o in new Option[] { json, noHairpin, lifetime, lifetimeMax, lifetimeMin, rto, attempts, user, password, tcp, tls, insecure }) command.Options.Add(o);

        command.SetAction(async (parse, cancellationToken) =>
        {
            bool overTls = parse.GetValue(tls);
            var (endPoint, host) = await ResolveAsync(parse.GetValue(server)!, overTls ? 5349 : 3478, cancellationToken);
            if (endPoint is null) return Fail($"cannot resolve '{parse.GetValue(server)}'");
            if (overTls || parse.GetValue(tcp))
                return await StreamAsync(endPoint, overTls ? host : null, parse.GetValue(insecure), parse.GetValue(json), cancellationToken);
            if (parse.GetValue(rto) <= 0 || parse.GetValue(attempts) <= 0) return Fail("--rto and --attempts must be positive");
            if (parse.GetValue(lifetimeMin) <= 0 || parse.GetValue(lifetimeMax) < parse.GetValue(lifetimeMin))
                return Fail("--lifetime-min must be positive and at most --lifetime-max");
            var policy = new StunRetransmissionPolicy(TimeSpan.FromMilliseconds(parse.GetValue(rto)), parse.GetValue(attempts), 4);
            if ((parse.GetValue(user) is null) != (parse.GetValue(password) is null)) return Fail("--user and --password go together");
            var credentials = parse.GetValue(user) is { } name ? new StunClientCredentials(name, parse.GetValue(password)!) : null;
            var discovery = new StunBehaviourDiscovery(new UdpStunTransportFactory(), new StunBindingClient(TimeProvider.System, policy, credentials), TimeProvider.System);
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

    private static async Task<int> StreamAsync(IPEndPoint server, string? tlsHost, bool insecure, bool json, CancellationToken cancellationToken)
    {
        string transport = tlsHost is null ? "tcp" : "tls";
        StunBindingResponse response;
        try { response = await StunStreamClient.RequestAsync(server, tlsHost, insecure, TimeSpan.FromSeconds(10), cancellationToken); }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException or OperationCanceledException
                                      or System.Security.Authentication.AuthenticationException)
        {
            string message = e is OperationCanceledException ? "no answer within 10 s" : e.Message;
            if (json) Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string?>
                { ["server"] = server.ToString(), ["transport"] = transport, ["error"] = message }));
            else Console.WriteLine($"STUN server:      {server} over {transport.ToUpperInvariant()}\nError:            {message}");
            return 1;
        }
        string? error = response.ErrorCode is { } code ? $"the server answered error {code} {response.ErrorReason}" : null;
        if (json)
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string?>
            {
                ["server"] = server.ToString(), ["transport"] = transport, ["serverSoftware"] = response.Software,
                ["mappedAddress"] = response.Mapped?.ToString(), ["otherAddress"] = response.OtherAddress?.ToString(),
                ["roundTripMs"] = response.RoundTrip.TotalMilliseconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture),
                ["error"] = error,
            }));
        }
        else
        {
            Console.WriteLine($"STUN server:      {server} over {transport.ToUpperInvariant()}{(response.Software is null ? "" : $" ({response.Software})")}");
            Console.WriteLine(error is null ? $"Mapped address:   {response.Mapped}" : $"Error:            {error}");
            Console.WriteLine($"Round trip:       {response.RoundTrip.TotalMilliseconds:0.0} ms (connection set-up included)");
        }
        return error is null ? 0 : 1;
    }

    private static async Task<(IPEndPoint? EndPoint, string Host)> ResolveAsync(string text, int defaultPort, CancellationToken cancellationToken)
    {
        if (IPEndPoint.TryParse(text, out var ep)) return (ep.Port == 0 ? new IPEndPoint(ep.Address, defaultPort) : ep, ep.Address.ToString());
        string host = text;
        int port = defaultPort;
        int colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], out int p) && p is > 0 and <= 65535) { host = text[..colon]; port = p; }
        try
        {
            var addresses = await System.Net.Dns.GetHostAddressesAsync(host, cancellationToken);
            var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            return (address is null ? null : new IPEndPoint(address, port), host);
        }
        catch (SocketException) { return (null, host); }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("nattt stun: " + message);
        return 2;
    }
}
