using Nattt.Lab;

namespace Nattt.IntegrationTests.Dns;

/// <summary>
/// BIND 9 (Debian's <c>named</c>) as the real authoritative server of a test zone, run in the foreground in a lab
/// host with its files in a temp directory (FACTS.md: directory, pid-file, session-keyfile, managed-keys-directory,
/// <c>controls { };</c>). Recursion off: it is the upstream an ISP resolver would ask, and answers as authority.
/// The zone is optionally DNSSEC-signed with dnssec-signzone, so that RRSIGs can be seen passing through.
/// </summary>
public sealed class BindServer : IDisposable
{
    private readonly string _dir;

    public BindServer(LabHost host, string address, string zone, string zoneText, bool sign = false)
    {
        _dir = Directory.CreateTempSubdirectory("nattt-bind-").FullName;
        var zoneFile = Path.Combine(_dir, zone + ".zone");
        File.WriteAllText(zoneFile, zoneText);
        Shell.Run("named-checkzone", zone, zoneFile).EnsureSuccess();
        if (sign)
        {
            Shell.Run("dnssec-keygen", "-q", "-K", _dir, "-a", "ECDSAP256SHA256", "-f", "KSK", zone).EnsureSuccess();
            Shell.Run("dnssec-keygen", "-q", "-K", _dir, "-a", "ECDSAP256SHA256", zone).EnsureSuccess();
            Shell.Run("dnssec-signzone", "-S", "-K", _dir, "-d", _dir, "-o", zone, "-f", zoneFile + ".signed", zoneFile).EnsureSuccess();
            zoneFile += ".signed";
        }
        var conf = Path.Combine(_dir, "named.conf");
        File.WriteAllText(conf, $$"""
            options {
              directory "{{_dir}}";
              pid-file "{{_dir}}/named.pid";
              session-keyfile "{{_dir}}/session.key";
              managed-keys-directory "{{_dir}}";
              listen-on port 53 { {{address}}; };
              listen-on-v6 { none; };
              recursion no;
              dnssec-validation no;
              allow-query { any; };
              minimal-responses no;
            };
            controls { };
            zone "{{zone}}" { type primary; file "{{zoneFile}}"; };
            """);
        Process = host.Start("named", "-g", "-c", conf);
        // "running as: named ..." comes first; the line that ends in "running" comes after the zones are loaded.
        if (!Process.WaitForOutput("all zones loaded", TimeSpan.FromSeconds(20)) || !WaitForRunningLine(TimeSpan.FromSeconds(10)))
            throw new LabException("named did not start:\n" + Process.Output);
        if (!Process.Output.Contains($"zone {zone}/IN: loaded serial", StringComparison.Ordinal))
            throw new LabException("named did not load the zone:\n" + Process.Output);
    }

    public LabProcess Process { get; }

    private bool WaitForRunningLine(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Process.Output.Split('\n').Any(l => l.TrimEnd().EndsWith(" running", StringComparison.Ordinal))) return true;
            if (Process.HasExited) return false;
            Thread.Sleep(50);
        }
        return false;
    }

    public void Dispose()
    {
        Process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
