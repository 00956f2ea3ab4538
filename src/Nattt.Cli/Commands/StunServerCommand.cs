using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Nattt.Stun.Hosting;
using Nattt.Stun.Server;

namespace Nattt.Cli.Commands;

/// <summary>`nattt stun-server`: a STUN server on UDP, TCP and optionally TLS, with RFC 5780 when given two IPs.</summary>
internal static class StunServerCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "Primary address and port (UDP and TCP). Must be a specific address when --alternate-ip is set. Defaults to 0.0.0.0:3478.",
            DefaultValueFactory = _ => "0.0.0.0:3478",
        };
        var alternateIp = new Option<string?>("--alternate-ip")
        {
            Description = "A second IP address of this host. Enables RFC 5780 behaviour discovery (CHANGE-REQUEST, OTHER-ADDRESS, RESPONSE-ORIGIN) and RFC 3489 CHANGED-ADDRESS; the server then listens on both IPs x both ports. Defaults to none.",
        };
        var alternatePort = new Option<int?>("--alternate-port")
        {
            Description = "The alternate port used with --alternate-ip. Defaults to the primary port + 1 (as coturn).",
        };
        var noTcp = new Option<bool>("--no-tcp") { Description = "Do not listen on TCP. Defaults to false (TCP on the same ports as UDP)." };
        var cert = new Option<string?>("--cert") { Description = "PEM certificate (chain) for STUN over TLS. With --key enables TLS. Defaults to none (no TLS)." };
        var key = new Option<string?>("--key") { Description = "PEM private key of --cert. Defaults to none." };
        var tlsPort = new Option<int>("--tls-port")
        {
            Description = "TLS port of the primary endpoint (alternate: this + 1). Used only with --cert and --key. Defaults to 5349.",
            DefaultValueFactory = _ => 5349,
        };
        var software = new Option<string>("--software")
        {
            Description = "SOFTWARE attribute in responses; empty sends none (hides what runs). Defaults to \"nattt\".",
            DefaultValueFactory = _ => "nattt",
        };
        var noResponsePort = new Option<bool>("--no-response-port")
        {
            Description = "Refuse RESPONSE-PORT (420). It only ever targets the sender's own IP. Defaults to false (honoured, needed for binding-lifetime discovery).",
        };
        var statsInterval = new Option<int>("--stats-interval")
        {
            Description = "Seconds between counter log lines (requests, responses, drops by reason); 0 logs them only at exit. Defaults to 60.",
            DefaultValueFactory = _ => 60,
        };
        var users = new Option<string[]>("--user")
        {
            Description = "NAME:PASSWORD of a user allowed in (repeatable). With any user, every request needs long-term credentials (RFC 8489 section 9.2; SHA-256 and MD5 offered, USERHASH accepted) and responses are signed. Defaults to none: anyone is answered, as public STUN servers do.",
        };
        var realm = new Option<string>("--realm") { Description = "REALM for --user. Defaults to \"nattt\".", DefaultValueFactory = _ => "nattt" };
        var nonceLifetime = new Option<int>("--nonce-lifetime")
        {
            Description = "Seconds a NONCE stays valid (then 438 Stale Nonce). Nonces are stateless (HMAC, bound to the client's address). Defaults to 600.",
            DefaultValueFactory = _ => 600,
        };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Minimum log level. Defaults to Information.", DefaultValueFactory = _ => LogLevel.Information };

        var command = new Command("stun-server", "Run a STUN server (RFC 8489; RFC 5780 and RFC 3489 classic clients answered with a second IP).");
        foreach (var o in new Option[] { listen, alternateIp, alternatePort, noTcp, cert, key, tlsPort, software, noResponsePort, users, realm, nonceLifetime, statsInterval, logLevel })
            command.Options.Add(o);

        command.SetAction(async (parse, commandLineToken) =>
        {
            // Ctrl-C arrives through the command line's token; SIGTERM (systemd, kill) is added here.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(commandLineToken);
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
            var cancellationToken = stop.Token;
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out var primary) || primary.Port == 0)
                return Fail($"--listen: '{parse.GetValue(listen)}' is not an address:port");
            IPAddress? alternate = null;
            if (parse.GetValue(alternateIp) is { } altText && !IPAddress.TryParse(altText, out alternate))
                return Fail($"--alternate-ip: '{altText}' is not an IP address");
            if (alternate is not null && (primary.Address.Equals(IPAddress.Any) || primary.Address.Equals(IPAddress.IPv6Any)))
                return Fail("--alternate-ip needs --listen with a specific address (responses must leave from known addresses)");
            if ((parse.GetValue(cert) is null) != (parse.GetValue(key) is null))
                return Fail("--cert and --key go together");

            StunServerAddresses addresses;
            try { addresses = new StunServerAddresses(primary, alternate, parse.GetValue(alternatePort)); }
            catch (ArgumentException e) { return Fail(e.Message); }

            X509Certificate2? certificate = null;
            if (parse.GetValue(cert) is { } certPath)
            {
                try { certificate = X509Certificate2.CreateFromPemFile(certPath, parse.GetValue(key)); }
                catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
                {
                    return Fail($"--cert/--key: {e.Message}");
                }
            }

            using var loggerFactory = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
                .SetMinimumLevel(parse.GetValue(logLevel)));
            var logger = loggerFactory.CreateLogger("nattt.stun-server");
            Nattt.Stun.Auth.StunLongTermAuthenticator? authenticator = null;
            if (parse.GetValue(users) is { Length: > 0 } userList)
            {
                try
                {
                    var store = Nattt.Stun.Auth.StunStaticCredentialStore.Parse(userList, parse.GetValue(realm)!);
                    var nonces = new Nattt.Stun.Auth.StunNonceIssuer(TimeProvider.System, TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(nonceLifetime))),
                        Nattt.Stun.Wire.StunSecurityFeatures.PasswordAlgorithms | Nattt.Stun.Wire.StunSecurityFeatures.UsernameAnonymity);
                    authenticator = new Nattt.Stun.Auth.StunLongTermAuthenticator(parse.GetValue(realm)!, store, nonces);
                }
                catch (Exception e) when (e is FormatException or ArgumentException) { return Fail("--user/--realm: " + e.Message); }
            }
            var engine = new StunServerEngine(addresses, new StunServerOptions
            {
                Software = parse.GetValue(software),
                AllowResponsePort = !parse.GetValue(noResponsePort),
                Authenticator = authenticator,
            });

            var hosts = new List<IDisposable>();
            var runs = new List<Task>();
            try
            {
                var udp = new StunUdpServerHost(engine, logger, TimeProvider.System);
                hosts.Add(udp);
                runs.Add(udp.RunAsync(cancellationToken));
                if (!parse.GetValue(noTcp))
                {
                    var tcp = new StunStreamServerHost(engine, logger, TimeProvider.System, primary.Port, addresses.AlternatePort, null);
                    hosts.Add(tcp);
                    runs.Add(tcp.RunAsync(cancellationToken));
                }
                if (certificate is not null)
                {
                    int port = parse.GetValue(tlsPort);
                    var tls = new StunStreamServerHost(engine, logger, TimeProvider.System, port, port + 1, certificate);
                    hosts.Add(tls);
                    runs.Add(tls.RunAsync(cancellationToken));
                }
            }
            catch (SocketException e)
            {
                foreach (var h in hosts) h.Dispose();
                return Fail($"cannot listen: {e.Message} (is the port taken, the address on this host, or is root needed for ports below 1024?)");
            }

            int interval = parse.GetValue(statsInterval);
            try
            {
                if (interval > 0)
                {
                    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(interval));
                    while (await timer.WaitForNextTickAsync(cancellationToken)) LogCounters(logger, engine);
                }
                else
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
            }
            catch (OperationCanceledException) { /* Ctrl-C or SIGTERM: stop below */ }
            foreach (var h in hosts) h.Dispose();
            await Task.WhenAll(runs).ConfigureAwait(false);
            LogCounters(logger, engine);
            return 0;
        });
        return command;
    }

    private static void LogCounters(ILogger logger, StunServerEngine engine) =>
        StunHostLog.Counters(logger, string.Join(" ", engine.Counters.Snapshot().Select(c => $"{c.Key}={c.Value}")));

    private static int Fail(string message)
    {
        Console.Error.WriteLine("nattt stun-server: " + message);
        return 2;
    }
}
