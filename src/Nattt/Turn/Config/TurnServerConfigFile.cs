using System.Globalization;
using System.Net;
using Nattt.Turn.Policy;

namespace Nattt.Turn.Config;

/// <summary>
/// Reads coturn's turnserver.conf: one option per line, <c>name=value</c>, <c>name value</c> or a bare flag name,
/// '#' comments, an optional leading "--". Options nattt understands set <see cref="TurnServerOptions"/>; options
/// it does not are listed in <see cref="Ignored"/> (with their line) so the operator knows what does not apply;
/// malformed values are listed in <see cref="Errors"/>. Never throws on content.
/// </summary>
public sealed class TurnServerConfigFile
{
    /// <summary>coturn options accepted without effect, with the reason (shown to the operator).</summary>
    private static readonly Dictionary<string, string> KnownNoEffect = new(StringComparer.Ordinal)
    {
        ["fingerprint"] = "FINGERPRINT is always added when the client uses it",
        ["no-cli"] = "nattt has no telnet CLI",
        ["no-stdout-log"] = "logging goes to log-file or the console",
        ["simple-log"] = "logs are always plain lines",
        ["syslog"] = "use the console and journald",
        ["no-multicast-peers"] = "multicast peers are always refused",
        ["no-loopback-peers"] = "loopback peers are always refused (unless allowed-peer-ip)",
        ["no-dtls"] = "DTLS is not implemented",
        ["verbose"] = "use --log-level",
        ["Verbose"] = "use --log-level",
        ["mobility"] = "RFC 8016 mobility is not implemented",
        ["no-rfc5780"] = "TURN server does not serve RFC 5780 (use nattt stun-server)",
    };

    public TurnServerOptions Options { get; }
    public List<string> Ignored { get; } = [];
    public List<string> Errors { get; } = [];

    private TurnServerConfigFile(TurnServerOptions options) => Options = options;

    public static TurnServerConfigFile Load(string path, TurnServerOptions? into = null) =>
        Parse(File.ReadAllLines(path), path, into);

    public static TurnServerConfigFile Parse(IEnumerable<string> lines, string source = "turnserver.conf", TurnServerOptions? into = null)
    {
        var file = new TurnServerConfigFile(into ?? new TurnServerOptions());
        int number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line.StartsWith("--", StringComparison.Ordinal)) line = line[2..];
            int cut = line.IndexOfAny(['=', ' ', '\t']);
            string name = cut < 0 ? line : line[..cut].Trim();
            string? value = cut < 0 ? null : line[(cut + 1)..].Trim().Trim('"');
            string where = $"{source}:{number}";
            if (!file.Apply(name, value, where, out var error))
            {
                if (error is null) file.Ignored.Add($"{where}: {name}" + (KnownNoEffect.TryGetValue(name, out var why) ? $" ({why})" : " (not supported by nattt)"));
                else file.Errors.Add($"{where}: {name}: {error}");
            }
        }
        return file;
    }

    /// <summary>Applies one option; false with a null error if the option is unknown to nattt.</summary>
    private bool Apply(string name, string? value, string where, out string? error)
    {
        error = null;
        var o = Options;
        switch (name)
        {
            case "listening-port": return Int(value, v => o.ListeningPort = v, out error);
            case "tls-listening-port": return Int(value, v => o.TlsListeningPort = v, out error);
            case "listening-ip": return Ip(value, o.ListeningIps.Add, out error);
            case "relay-ip": return Ip(value, o.RelayIps.Add, out error);
            case "external-ip": return ExternalIp(value, out error);
            case "min-port": return Int(value, v => o.MinPort = v, out error);
            case "max-port": return Int(value, v => o.MaxPort = v, out error);
            case "realm": return Text(value, v => o.Realm = v, out error);
            case "user": return Text(value, o.Users.Add, out error);
            case "userdb": return Text(value, v => o.UserFile = v, out error);
            case "lt-cred-mech": return true; // long-term credentials are the only mechanism
            case "no-auth": o.NoAuth = true; return true;
            case "use-auth-secret": o.UseAuthSecret = true; return true;
            case "static-auth-secret": return Text(value, o.StaticAuthSecrets.Add, out error);
            case "rest-api-separator":
                if (value is { Length: 1 }) { o.RestApiSeparator = value[0]; return true; }
                error = "expected one character";
                return false;
            case "cert": return Text(value, v => o.CertFile = v, out error);
            case "pkey": return Text(value, v => o.KeyFile = v, out error);
            case "total-quota": return Int(value, v => o.TotalQuota = v, out error);
            case "user-quota": return Int(value, v => o.UserQuota = v, out error);
            case "max-bps": return Long(value, v => o.MaxBps = v, out error);
            case "bps-capacity": return Long(value, v => o.BpsCapacity = v, out error);
            case "denied-peer-ip": return Range(value, o.DeniedPeers, out error);
            case "allowed-peer-ip": return Range(value, o.AllowedPeers, out error);
            case "no-tcp-relay": o.NoTcpRelay = true; return true;
            case "no-udp": o.NoUdp = true; return true;
            case "no-tcp": o.NoTcp = true; return true;
            case "no-tls": o.NoTls = true; return true;
            case "stale-nonce":
                if (value is null) { o.StaleNonceSeconds = 600; return true; }
                return Int(value, v => o.StaleNonceSeconds = v, out error);
            case "max-allocate-lifetime": return Int(value, v => o.MaxAllocateLifetimeSeconds = v, out error);
            case "channel-lifetime": return Int(value, v => o.ChannelLifetimeSeconds = v, out error);
            case "permission-lifetime": return Int(value, v => o.PermissionLifetimeSeconds = v, out error);
            case "log-file": return Text(value, v => o.LogFile = v == "stdout" ? null : v, out error);
            case "prometheus": o.Prometheus = true; return true;
            case "prometheus-port": return Int(value, v => o.PrometheusPort = v, out error);
            case "software-name": return Text(value, v => o.Software = v, out error);
            default: return false;
        }
    }

    private static bool Int(string? value, Action<int> set, out string? error)
    {
        error = null;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int v)) { set(v); return true; }
        error = $"'{value}' is not a whole number";
        return false;
    }

    private static bool Long(string? value, Action<long> set, out string? error)
    {
        error = null;
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long v)) { set(v); return true; }
        error = $"'{value}' is not a whole number";
        return false;
    }

    private static bool Text(string? value, Action<string> set, out string? error)
    {
        error = null;
        if (!string.IsNullOrEmpty(value)) { set(value); return true; }
        error = "needs a value";
        return false;
    }

    private static bool Ip(string? value, Action<IPAddress> add, out string? error)
    {
        error = null;
        if (IPAddress.TryParse(value, out var ip)) { add(ip); return true; }
        error = $"'{value}' is not an IP address";
        return false;
    }

    private static bool Range(string? value, List<IPNetwork> into, out string? error)
    {
        error = null;
        if (value is not null && AddressRanges.TryParse(value, out var networks, out error)) { into.AddRange(networks); return true; }
        error ??= "needs a value";
        return false;
    }

    /// <summary>coturn's external-ip: "PUBLIC" or "PUBLIC/PRIVATE".</summary>
    private bool ExternalIp(string? value, out string? error)
    {
        error = null;
        var parts = (value ?? "").Split('/', 2);
        if (!IPAddress.TryParse(parts[0], out var pub)) { error = $"'{value}' is not PUBLIC or PUBLIC/PRIVATE"; return false; }
        IPAddress? priv = null;
        if (parts.Length == 2 && !IPAddress.TryParse(parts[1], out priv)) { error = $"'{value}' is not PUBLIC or PUBLIC/PRIVATE"; return false; }
        Options.ExternalIps.Add((pub, priv));
        return true;
    }
}
