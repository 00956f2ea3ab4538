using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Nattt.Turn.Config;
using Nattt.Turn.Hosting;
using Nattt.Turn.Policy;

namespace Nattt.Cli.Commands;

/// <summary>`nattt turn-server`: a TURN relay (RFC 8656, RFC 6156) that reads coturn's turnserver.conf.</summary>
internal static class TurnServerCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config", "-c") { Description = "A coturn turnserver.conf to read first; flags given on the command line win. nattt lists the options it ignores. Defaults to none." };
        var port = new Option<int>("--listening-port") { Description = "UDP and TCP port for clients. Defaults to 3478.", DefaultValueFactory = _ => 3478 };
        var tlsPort = new Option<int>("--tls-listening-port") { Description = "TLS port for clients (443 reaches clients behind firewalls that allow only HTTPS). Needs --cert and --pkey. Defaults to 5349.", DefaultValueFactory = _ => 5349 };
        var listeningIp = new Option<string[]>("--listening-ip") { Description = "Address to listen on (repeatable). Defaults to 0.0.0.0: replies then leave by the routing table's choice; give explicit addresses on multi-homed hosts.", AllowMultipleArgumentsPerToken = false };
        var relayIp = new Option<string[]>("--relay-ip") { Description = "Address relay sockets bind to (repeatable, one per family). Defaults to the first listening address, else the first global interface address. Relay addresses are reachable by anyone: put them on the public side only." };
        var externalIp = new Option<string[]>("--external-ip") { Description = "PUBLIC or PUBLIC/PRIVATE: advertise PUBLIC as relay address when the server sits behind a 1:1 NAT. Defaults to none." };
        var minPort = new Option<int>("--min-port") { Description = "Lowest relay port. Defaults to 49152.", DefaultValueFactory = _ => 49152 };
        var maxPort = new Option<int>("--max-port") { Description = "Highest relay port. Defaults to 65535.", DefaultValueFactory = _ => 65535 };
        var realm = new Option<string>("--realm") { Description = "Long-term credential realm. Defaults to \"nattt\".", DefaultValueFactory = _ => "nattt" };
        var user = new Option<string[]>("--user", "-u") { Description = "user:password or user:0xKEY (KEY = MD5(user:realm:password), as turnadmin -k prints; keeps the password out of the config). Repeatable. Defaults to none. Passwords on a command line are visible to local users in ps: prefer --userdb." };
        var userdb = new Option<string?>("--userdb") { Description = "File of user:password or user:0xKEY lines. Defaults to none. Keep it mode 0600." };
        var authSecret = new Option<bool>("--use-auth-secret") { Description = "Accept time-limited credentials: username EXPIRY:USER, password base64(HMAC-SHA1(secret, username)), as web services issue them. Defaults to false." };
        var secret = new Option<string[]>("--static-auth-secret") { Description = "The shared secret(s) for --use-auth-secret (several during a rotation). Defaults to none. Anyone with it can mint credentials." };
        var noAuth = new Option<bool>("--no-auth") { Description = "Relay for anyone, without credentials. Defaults to false. An open relay is abused within hours; for labs only." };
        var cert = new Option<string?>("--cert") { Description = "PEM certificate (chain) for TLS. Defaults to none (no TLS)." };
        var pkey = new Option<string?>("--pkey") { Description = "PEM private key of --cert. Defaults to none." };
        var totalQuota = new Option<int>("--total-quota") { Description = "Allocations in total (0 = unlimited). Defaults to 10000: bounds memory, sockets and relay ports.", DefaultValueFactory = _ => 10000 };
        var userQuota = new Option<int>("--user-quota") { Description = "Allocations per user (0 = unlimited). Defaults to 100: one leaked credential cannot take the whole server.", DefaultValueFactory = _ => 100 };
        var maxBps = new Option<long>("--max-bps") { Description = "Bytes per second per allocation, each direction (0 = unlimited). Defaults to 0." };
        var bpsCapacity = new Option<long>("--bps-capacity") { Description = "Bytes per second over all allocations (0 = unlimited). Defaults to 0." };
        var denied = new Option<string[]>("--denied-peer-ip") { Description = "Extra peer ranges to refuse: CIDR, address or FIRST-LAST (repeatable). Loopback, RFC 1918, CGNAT 100.64/10, link-local (169.254.169.254 metadata), multicast, reserved, ULA, IPv4-mapped and documentation ranges are always refused unless allowed." };
        var allowed = new Option<string[]>("--allowed-peer-ip") { Description = "Peer ranges to relay to even if denied (repeatable). Defaults to none. Allowing a private range lets every user reach that network through the relay." };
        var allowDoc = new Option<bool>("--allow-documentation-peers") { Description = "Relay to 192.0.2/24, 198.51.100/24, 203.0.113/24 and 2001:db8::/32 (lab networks). Defaults to false." };
        var noUdp = new Option<bool>("--no-udp") { Description = "No UDP client listener. Defaults to false." };
        var noTcp = new Option<bool>("--no-tcp") { Description = "No TCP client listener. Defaults to false." };
        var noTls = new Option<bool>("--no-tls") { Description = "No TLS listener even with a certificate. Defaults to false." };
        var staleNonce = new Option<int>("--stale-nonce") { Description = "Nonce lifetime in seconds; then the client gets 438 and retries. Defaults to 600.", DefaultValueFactory = _ => 600 };
        var maxLifetime = new Option<int>("--max-allocate-lifetime") { Description = "Longest allocation lifetime a client may ask, seconds. Defaults to 3600.", DefaultValueFactory = _ => 3600 };
        var channelLifetime = new Option<int>("--channel-lifetime") { Description = "Channel binding lifetime, seconds. Defaults to 600 (RFC 8656).", DefaultValueFactory = _ => 600 };
        var permissionLifetime = new Option<int>("--permission-lifetime") { Description = "Permission lifetime, seconds. Defaults to 300 (RFC 8656).", DefaultValueFactory = _ => 300 };
        var strictChannels = new Option<bool>("--strict-channel-numbers") { Description = "Accept only RFC 8656 channel numbers 0x4000-0x4FFF. Defaults to false: 0x4000-0x7FFF (RFC 5766), which coturn and its clients use." };
        var logFile = new Option<string?>("--log-file") { Description = "Write the log to this file instead of the console. Defaults to the console." };
        var prometheus = new Option<bool>("--prometheus") { Description = "Serve Prometheus metrics over HTTP (allocations, bytes and packets relayed, auth failures, drops and peer denials by reason). Defaults to false." };
        var prometheusPort = new Option<int>("--prometheus-port") { Description = "Metrics port. Defaults to 9641.", DefaultValueFactory = _ => 9641 };
        var prometheusIp = new Option<string>("--prometheus-ip") { Description = "Metrics address. Defaults to 127.0.0.1: metrics reveal usage, keep them off public addresses.", DefaultValueFactory = _ => "127.0.0.1" };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Minimum log level. Defaults to Information.", DefaultValueFactory = _ => LogLevel.Information };

        var command = new Command("turn-server", "Run a TURN relay (RFC 8656; IPv6 relays per RFC 6156). Reads coturn's turnserver.conf with -c. Refuses loopback, private, link-local/metadata and other non-global peers by default.");
        Option[] all = [config, port, tlsPort, listeningIp, relayIp, externalIp, minPort, maxPort, realm, user, userdb, authSecret, secret, noAuth, cert, pkey,
            totalQuota, userQuota, maxBps, bpsCapacity, denied, allowed, allowDoc, noUdp, noTcp, noTls, staleNonce, maxLifetime, channelLifetime,
            permissionLifetime, strictChannels, logFile, prometheus, prometheusPort, prometheusIp, logLevel];
        foreach (var o in all) command.Options.Add(o);

        command.SetAction(async (parse, commandLineToken) =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(commandLineToken);
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });

            var options = new TurnServerOptions();
            var notes = new List<string>();
            if (parse.GetValue(config) is { } path)
            {
                if (!File.Exists(path)) return Fail($"-c: {path} does not exist");
                var file = TurnServerConfigFile.Load(path, options);
                if (file.Errors.Count > 0) return Fail(string.Join("; ", file.Errors));
                notes.AddRange(file.Ignored.Select(i => "ignored " + i));
            }
            bool Given(Option o) => parse.GetResult(o) is { Implicit: false };
            var problems = new List<string>();
            if (Given(port)) options.ListeningPort = parse.GetValue(port);
            if (Given(tlsPort)) options.TlsListeningPort = parse.GetValue(tlsPort);
            foreach (var s in parse.GetValue(listeningIp) ?? []) AddIp(s, options.ListeningIps, "--listening-ip", problems);
            foreach (var s in parse.GetValue(relayIp) ?? []) AddIp(s, options.RelayIps, "--relay-ip", problems);
            foreach (var s in parse.GetValue(externalIp) ?? [])
            {
                var parsed = TurnServerConfigFile.Parse([$"external-ip={s}"]);
                if (parsed.Errors.Count > 0) problems.Add("--external-ip: " + s); else options.ExternalIps.AddRange(parsed.Options.ExternalIps);
            }
            if (Given(minPort)) options.MinPort = parse.GetValue(minPort);
            if (Given(maxPort)) options.MaxPort = parse.GetValue(maxPort);
            if (Given(realm)) options.Realm = parse.GetValue(realm)!;
            options.Users.AddRange(parse.GetValue(user) ?? []);
            if (parse.GetValue(userdb) is { } db) options.UserFile = db;
            if (parse.GetValue(authSecret)) options.UseAuthSecret = true;
            options.StaticAuthSecrets.AddRange(parse.GetValue(secret) ?? []);
            if (parse.GetValue(noAuth)) options.NoAuth = true;
            if (parse.GetValue(cert) is { } c) options.CertFile = c;
            if (parse.GetValue(pkey) is { } k) options.KeyFile = k;
            if (Given(totalQuota)) options.TotalQuota = parse.GetValue(totalQuota);
            if (Given(userQuota)) options.UserQuota = parse.GetValue(userQuota);
            if (Given(maxBps)) options.MaxBps = parse.GetValue(maxBps);
            if (Given(bpsCapacity)) options.BpsCapacity = parse.GetValue(bpsCapacity);
            foreach (var s in parse.GetValue(denied) ?? []) AddRange(s, options.DeniedPeers, "--denied-peer-ip", problems);
            foreach (var s in parse.GetValue(allowed) ?? []) AddRange(s, options.AllowedPeers, "--allowed-peer-ip", problems);
            if (parse.GetValue(allowDoc)) options.AllowDocumentationPeers = true;
            if (parse.GetValue(noUdp)) options.NoUdp = true;
            if (parse.GetValue(noTcp)) options.NoTcp = true;
            if (parse.GetValue(noTls)) options.NoTls = true;
            if (Given(staleNonce)) options.StaleNonceSeconds = parse.GetValue(staleNonce);
            if (Given(maxLifetime)) options.MaxAllocateLifetimeSeconds = parse.GetValue(maxLifetime);
            if (Given(channelLifetime)) options.ChannelLifetimeSeconds = parse.GetValue(channelLifetime);
            if (Given(permissionLifetime)) options.PermissionLifetimeSeconds = parse.GetValue(permissionLifetime);
            if (parse.GetValue(strictChannels)) options.Rfc5766ChannelRange = false;
            if (parse.GetValue(logFile) is { } lf) options.LogFile = lf;
            if (parse.GetValue(prometheus)) options.Prometheus = true;
            if (Given(prometheusPort)) options.PrometheusPort = parse.GetValue(prometheusPort);
            if (!IPAddress.TryParse(parse.GetValue(prometheusIp), out var metricsIp)) problems.Add("--prometheus-ip: not an address");
            else options.PrometheusAddress = metricsIp;
            problems.AddRange(options.Validate());
            var credentials = TurnServerHost.CredentialsFrom(options, problems);
            if (problems.Count > 0) return Fail(string.Join("; ", problems));

            StreamWriter? logWriter = null;
            if (options.LogFile is not null)
            {
                try { logWriter = new StreamWriter(options.LogFile, append: true) { AutoFlush = true }; }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Fail($"log-file: {e.Message}"); }
                Console.SetOut(logWriter);
            }
            using var loggerFactory = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
                .SetMinimumLevel(parse.GetValue(logLevel)));
            var logger = loggerFactory.CreateLogger("nattt.turn-server");
            foreach (var note in notes) logger.LogWarning("{Note}", note);
            if (options.NoAuth) logger.LogWarning("no-auth: this is an open relay");
            if (options.AllowedPeers.Count > 0) logger.LogWarning("peers allowed despite the deny list: {Ranges}", string.Join(", ", options.AllowedPeers));

            var host = new TurnServerHost(options, credentials, TimeProvider.System, loggerFactory);
            try { host.Start(); }
            catch (SocketException e)
            {
                await host.DisposeAsync();
                return Fail($"cannot listen: {e.Message}");
            }
            catch (Exception e) when (e is CryptographicException or IOException)
            {
                await host.DisposeAsync();
                return Fail($"cert/pkey: {e.Message}");
            }
            logger.LogInformation("turn-server ready: {Endpoints}; realm {Realm}", string.Join(", ", host.Endpoints), options.Realm);
            try { await Task.Delay(Timeout.Infinite, stop.Token); }
            catch (OperationCanceledException) { /* Ctrl-C or SIGTERM: stop below */ }
            logger.LogInformation("stopping");
            await host.DisposeAsync();
            logWriter?.Dispose();
            return 0;
        });
        return command;
    }

    private static void AddIp(string text, List<IPAddress> into, string option, List<string> problems)
    {
        if (IPAddress.TryParse(text, out var ip)) into.Add(ip);
        else problems.Add($"{option}: '{text}' is not an IP address");
    }

    private static void AddRange(string text, List<IPNetwork> into, string option, List<string> problems)
    {
        if (AddressRanges.TryParse(text, out var networks, out var error)) into.AddRange(networks);
        else problems.Add($"{option}: {error}");
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"nattt turn-server: {message}");
        return 2;
    }
}
