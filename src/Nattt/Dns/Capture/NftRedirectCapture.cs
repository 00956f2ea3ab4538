using System.Diagnostics;
using System.Net;
using Nattt.Dns.Proxy;

namespace Nattt.Dns.Capture;

/// <summary>
/// Captures the host's DNS with nftables (the paper's "packet filtering API"): a table of our own, <c>ip nattt_dns</c>,
/// whose output-hook NAT chain sends every locally generated UDP and TCP packet to port 53 to the proxy, except the
/// proxy's own upstream queries (they carry <see cref="DnsProxyOptions.UpstreamSocketMark"/>). Nothing else is
/// touched: removing the table removes all of it. A table left by a crash is replaced at install. IPv4 only.
/// Not thread-safe (start/stop only).
/// </summary>
public sealed class NftRedirectCapture(string table = "nattt_dns")
{
    public string Table { get; } = table;

    public string Ruleset(IPEndPoint proxy, int upstreamMark) => $$"""
        add table ip {{Table}}
        delete table ip {{Table}}
        table ip {{Table}} {
          chain output {
            type nat hook output priority -100; policy accept;
            meta mark {{upstreamMark}} return
            udp dport 53 dnat to {{proxy.Address}}:{{proxy.Port}}
            tcp dport 53 dnat to {{proxy.Address}}:{{proxy.Port}}
          }
        }
        """;

    public void Install(IPEndPoint proxy, int upstreamMark)
    {
        if (upstreamMark == 0) throw new ArgumentException("the nft capture needs an upstream socket mark, or the proxy would capture its own queries");
        Run(Ruleset(proxy, upstreamMark));
    }

    /// <summary>Removes the table (the "add then delete" pair makes it idempotent on nft versions without
    /// <c>destroy</c>).</summary>
    public void Uninstall() => Run($"add table ip {Table}\ndelete table ip {Table}\n");

    private static void Run(string script)
    {
        var psi = new ProcessStartInfo("nft", "-f -") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        using var nft = Process.Start(psi) ?? throw new InvalidOperationException("could not start nft");
        nft.StandardInput.Write(script);
        nft.StandardInput.Close();
        var error = nft.StandardError.ReadToEnd();
        nft.WaitForExit();
        if (nft.ExitCode != 0) throw new InvalidOperationException($"nft failed: {error.Trim()}");
    }
}
