using System.Text.RegularExpressions;
using Nattt.Lab;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Dns;

/// <summary>The DNS proxy (`nattt dns proxy`) against a real authoritative BIND 9 serving NAT RRs in RFC 3597 form,
/// queried with dig: synthesised answers, pass-through, capture modes, and hostile upstreams and clients.</summary>
public sealed class DnsProxyTests : NamespaceTest
{
    private const string Drawing = """
          client                                         dns
        +---------------------------------+          +-----------------------------------+
        | dig -> nattt dns proxy          | eth0     | named (BIND 9)   192.0.2.53:53    |
        |        127.0.0.153:53 (udp,tcp) |----------| spoofing upstream 192.0.2.54:53   |
        | 192.0.2.10/24                   |     eth0 | (python3, raw socket injector)    |
        +---------------------------------+          +-----------------------------------+
        """;

    private readonly LabHost _client;
    private readonly LabHost _dns;
    private readonly BindServer _bind;

    public DnsProxyTests(ITestOutputHelper output) : base(output, "dns-proxy", Drawing)
    {
        _client = Net.AddHost("client");
        _dns = Net.AddHost("dns");
        Net.Link(_client, "eth0", "192.0.2.10/24", _dns, "eth0", "192.0.2.53/24,192.0.2.54/24");
        _bind = new BindServer(_dns, "192.0.2.53", TestZone.Name, TestZone.Text("192.0.2.53"), sign: true);
    }

    public override void Dispose()
    {
        _bind.Dispose();
        base.Dispose();
    }

    private LabProcess StartProxy(params string[] extra) =>
        NatttDaemon.Start(_client, ["dns", "proxy", "--listen", "127.0.0.153:53", "--upstream", "192.0.2.53", .. extra]);

    private string Dig(string server, params string[] args)
    {
        var r = _client.Exec("dig", ["@" + server, "+time=3", "+tries=1", .. args], TimeSpan.FromSeconds(20));
        Output.WriteLine($"dig @{server} {string.Join(' ', args)}\n{r.StandardOutput}");
        return r.StandardOutput;
    }

    private static string Answer(string digOutput) =>
        string.Join("\n", digOutput.Split('\n').Where(l => l.Length > 0 && !l.StartsWith(';')).Select(l => Regex.Replace(l.Trim(), @"\s+", " ")));

    private static string Sorted(string lines) => string.Join("\n", lines.Split('\n').Order(StringComparer.Ordinal));

    [Fact]
    public void Dig_NatRecordName_GetsStandInFromPoolWithBoundedTtl()
    {
        using var proxy = StartProxy();
        var answer = Answer(Dig("127.0.0.153", "+noall", "+answer", "b.example.test", "A"));
        var m = Regex.Match(answer, @"^b\.example\.test\. (\d+) IN A (198\.1[89]\.\d+\.\d+)$");
        Assert.True(m.Success, answer);
        Assert.InRange(int.Parse(m.Groups[1].Value), 1, 120); // bounded by the SOA's negative TTL (120) and the NAT RR's (300)
        var again = Answer(Dig("127.0.0.153", "+noall", "+answer", "b.example.test", "A"));
        Assert.EndsWith(m.Groups[2].Value, again); // the same stand-in while the mapping lives
        var ptr = Answer(Dig("127.0.0.153", "+noall", "+answer", "-x", m.Groups[2].Value));
        Assert.Contains("PTR b.example.test.", ptr);
        var aaaa = Dig("127.0.0.153", "b.example.test", "AAAA");
        Assert.Contains("status: NOERROR", aaaa);
        Assert.Contains("ANSWER: 0", aaaa);
        var counters = NatttDaemon.StopAndReadCounters(proxy);
        Assert.True(counters["synthesized"] >= 2, string.Join(' ', counters));
        Assert.Equal(1, counters["nat_records_found"]);
        Assert.Equal(1, counters["ptr_answered"]);
    }

    [Fact]
    public void Dig_NestedAndEmulatedAndAliasNames_AllSynthesised()
    {
        using var proxy = StartProxy();
        var n2 = Answer(Dig("127.0.0.153", "+noall", "+answer", "n2.example.test", "A"));
        Assert.Matches(@"^n2\.example\.test\. ([1-9]|[1-5]\d|60) IN A 198\.1[89]\.", n2); // TTL bounded by the NAT RR's 60
        var e = Answer(Dig("127.0.0.153", "+noall", "+answer", "e.example.test", "A"));
        Assert.Matches(@"^e\.example\.test\. ([1-9]|[12]\d|30) IN A 198\.1[89]\.", e); // bounded by nattt-port1's 30
        var alias = Answer(Dig("127.0.0.153", "+noall", "+answer", "alias.example.test", "A"));
        Assert.Matches(@"^alias\.example\.test\. \d+ IN CNAME b\.example\.test\.$", alias.Split('\n')[0]);
        Assert.Matches(@"b\.example\.test\. \d+ IN A 198\.1[89]\.", alias);
        var bad = Dig("127.0.0.153", "bad.example.test", "A");
        Assert.Contains("ANSWER: 0", bad);
        var counters = NatttDaemon.StopAndReadCounters(proxy);
        Assert.Equal(1, counters["emulation_found"]);
        Assert.Equal(1, counters["nat_records_invalid"]);
        Assert.Contains("mapped n2.example.test", proxy.Output);
        Assert.Contains("203.0.113.1:100 > 10.0.0.2:4000 > 10.1.0.5", proxy.Output);
        Assert.Contains("203.0.113.9:5000 > 10.9.0.9", proxy.Output);
    }

    [Fact]
    public void Dig_PlainAndUnknownAndSignedRecords_IdenticalThroughProxy()
    {
        using var proxy = StartProxy();
        foreach (var args in new[]
                 {
                     new[] { "www.example.test", "A" }, ["www.example.test", "AAAA"], ["opaque.example.test", "TYPE65000"],
                     ["b.example.test", "TYPE65324"], ["+dnssec", "www.example.test", "A"], ["nothing.example.test", "A"],
                     ["+dnssec", "example.test", "DNSKEY"],
                 })
        {
            // Sorted: BIND rotates the order of records within an RRset from one answer to the next.
            var direct = Sorted(Answer(Dig("192.0.2.53", ["+noall", "+answer", "+authority", .. args])));
            var proxied = Sorted(Answer(Dig("127.0.0.153", ["+noall", "+answer", "+authority", .. args])));
            Assert.Equal(direct, proxied);
            Assert.NotEmpty(direct);
        }
        Assert.Contains("RRSIG", Answer(Dig("127.0.0.153", "+noall", "+answer", "+dnssec", "www.example.test", "A")));
        Assert.Contains("\\# 4 DEADBEEF", Answer(Dig("127.0.0.153", "+noall", "+answer", "opaque.example.test", "TYPE65000")));
        var counters = NatttDaemon.StopAndReadCounters(proxy);
        Assert.Equal(0, counters["synthesized"]);
    }

    [Fact]
    public void Dig_TruncatedUdpAnswer_ClientFallsBackToTcpThroughProxy()
    {
        using var proxy = StartProxy();
        var udpOnly = Dig("127.0.0.153", "+noedns", "+ignore", "big.example.test", "TXT");
        Assert.Contains(" tc ", udpOnly.Replace(";", " "));
        var full = Dig("127.0.0.153", "+noedns", "big.example.test", "TXT");
        Assert.Contains("Truncated, retrying in TCP mode", full);
        Assert.Contains(new string('l', 60), full);
        var tcp = Dig("127.0.0.153", "+tcp", "b.example.test", "A");
        Assert.Matches(@"IN\s+A\s+198\.1[89]\.", tcp);
        var counters = NatttDaemon.StopAndReadCounters(proxy);
        Assert.True(counters["queries.tcp"] >= 2, string.Join(' ', counters));
    }

    [Fact]
    public void Spoofed_WrongIdSourceAndQuestion_IgnoredAndCounted()
    {
        using var spoofer = SpoofingUpstream.Start(_dns, "192.0.2.54", "192.0.2.99");
        using var proxy = NatttDaemon.Start(_client, "dns", "proxy", "--listen", "127.0.0.153:53", "--upstream", "192.0.2.54");
        for (var i = 0; i < 3; i++)
        {
            var answer = Dig("127.0.0.153", "+short", $"q{i}.example.test", "A").Trim();
            Assert.Equal(SpoofingUpstream.RealAnswer, answer);
        }
        Assert.Contains("answered", spoofer.Output);
        var counters = NatttDaemon.StopAndReadCounters(proxy);
        Output.WriteLine(string.Join(' ', counters));
        Assert.Equal(3, counters["dropped.WrongId"]);
        Assert.Equal(6, counters["dropped.WrongSource"]);
        Assert.Equal(3, counters["dropped.WrongQuestion"]);
        Assert.Contains("WrongSource", proxy.Output); // the rate-limited log line
    }

    [Fact]
    public void MalformedQueries_CountedAndProxyKeepsServing()
    {
        using var proxy = StartProxy();
        const string script = """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(1)
            for m in [b"\x01\x02\x03", b"\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", b"\x00\x02\x81\x80\x00\x00\x00\x00\x00\x00\x00\x00",
                      b"\x00\x03\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01"]:
                s.sendto(m, ("127.0.0.153", 53))
                try:
                    print("reply", s.recv(512).hex(), flush=True)
                except socket.timeout:
                    print("no reply", flush=True)
            """;
        var r = _client.Exec("python3", ["-c", script], TimeSpan.FromSeconds(20));
        Output.WriteLine(r.StandardOutput + r.StandardError);
        Assert.Equal(["no reply", "reply", "no reply", "reply"], r.StandardOutput.Trim().Split('\n').Select(l => l.StartsWith("reply") ? "reply" : l.Trim()));
        Assert.Matches(@"IN\s+A\s+192\.0\.2\.80", Dig("127.0.0.153", "www.example.test", "A"));
        var counters = NatttDaemon.StopAndReadCounters(proxy);
        Assert.Equal(2, counters["dropped.Truncated"]);
        Assert.Equal(1, counters["dropped.NotAQuery"]);
        Assert.Equal(1, counters["dropped.ForwardPointer"]);
        Assert.Equal(2, counters["formerr_sent"]);
    }

    [Fact]
    public void NftCapture_QueriesToAnyServer_ReachProxyAndTableRemovedAtExit()
    {
        using var proxy = StartProxy("--capture", "nft");
        var listed = _client.Exec("nft", "list", "table", "ip", "nattt_dns");
        Assert.True(listed.Succeeded, listed.StandardError);
        // Asked straight at BIND, yet answered by the proxy: the NAT RR name gets a stand-in.
        Assert.Matches(@"b\.example\.test\.\s+\d+\s+IN\s+A\s+198\.1[89]\.", Dig("192.0.2.53", "b.example.test", "A"));
        Assert.Matches(@"IN\s+A\s+192\.0\.2\.80", Dig("192.0.2.53", "+tcp", "www.example.test", "A"));
        var counters = NatttDaemon.StopAndReadCounters(proxy);
        Assert.Equal(1, counters["synthesized"]);
        Assert.Equal(1, counters["queries.tcp"]);
        Assert.False(_client.Exec("nft", "list", "table", "ip", "nattt_dns").Succeeded, "the capture table must be gone");
        // BIND itself again: NODATA for the NAT RR name's A record.
        Assert.Contains("ANSWER: 0", Dig("192.0.2.53", "b.example.test", "A"));
    }

    [Fact]
    public void ResolvConfCapture_RewrittenWhileRunningRestoredAtExit()
    {
        var dir = Directory.CreateTempSubdirectory("nattt-resolv-").FullName;
        try
        {
            var path = Path.Combine(dir, "resolv.conf");
            const string original = "search example.test\nnameserver 192.0.2.53\n";
            File.WriteAllText(path, original);
            using (var proxy = NatttDaemon.Start(_client, "dns", "proxy", "--listen", "127.0.0.153:53", "--capture", "resolv-conf", "--resolv-conf", path))
            {
                var during = File.ReadAllText(path);
                Assert.Contains("nameserver 127.0.0.153", during);
                Assert.DoesNotContain("192.0.2.53", during);
                // The upstream came from the original file.
                Assert.Matches(@"IN\s+A\s+192\.0\.2\.80", Dig("127.0.0.153", "www.example.test", "A"));
                NatttDaemon.StopAndReadCounters(proxy);
            }
            Assert.Equal(original, File.ReadAllText(path));
            Assert.False(File.Exists(path + ".nattt-backup"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
