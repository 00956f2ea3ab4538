using System.Text.Json;
using Nattt.Lab;
using Nattt.Lab.Worlds;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// Hostile load on the box during a 20 MB TCP transfer: a bounded flood of new flows from many spoofed outer sources,
/// malformed and truncated tunnel payloads at the sender's full rate, and a flow table far smaller than the flood
/// (--max-flows 64). The transfer completes with the right checksum, its flow is never evicted, and the drops are
/// counted by reason in `nattt status` and on /metrics.
/// <code>
///   a 203.0.113.10 (nattt client; also sends the raw flood with forged sources 203.0.113.100-249)
///        |
///   ── Internet 203.0.113.0/24 ──
///        |
///   y: nattt box 203.0.113.1:100 --max-flows 64 --metrics-listen 127.0.0.1:9477 ── b 10.0.0.2 (receiver, udp/7 echo)
/// </code>
/// (full drawing: <see cref="NatttWorld.Drawing"/>)
/// </summary>
public sealed class HostileLoadTests(ITestOutputHelper output) : TunnelScenario(output, "hostile", secondHome: false)
{
    private const int MaxFlows = 64;
    private const int FloodNewFlows = 20_000;
    private const int FloodMalformed = 20_000;
    private const int FloodSeconds = 8;

    /// <summary>A raw-socket sender (IP_HDRINCL, so the outer source can be forged). Bounded by count and by time.
    /// Arguments: box address, new-flow datagrams, malformed datagrams, seconds. Prints what it sent.
    /// New flows: each datagram from another forged source (203.0.113.100-249) and source port, carrying a valid
    /// inner UDP packet to 10.0.0.2:7 (published). Malformed: random bytes, IPv4 headers cut short, a header claiming
    /// more than is there, a bad version, an IHL below 5, alternated with the new flows.</summary>
    private const string FloodScript = """
        import os, random, socket, struct, sys, time
        box, flows, bad, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        def ip(src, dst, proto, payload):
            # The kernel fills in the header checksum and, with id 0, the id (raw(7)).
            return struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0,
                               socket.inet_aton(src), socket.inet_aton(dst)) + payload
        def inner_ip(src, dst, proto, payload):
            # An inner header needs its own checksum: the kernel fills in only the outer one.
            header = bytearray(ip(src, dst, proto, b'')[:20])
            struct.pack_into('!H', header, 2, 20 + len(payload))
            total = sum(struct.unpack('!10H', bytes(header)))
            total = (total & 0xffff) + (total >> 16)
            total = (total & 0xffff) + (total >> 16)
            struct.pack_into('!H', header, 10, ~total & 0xffff)
            return bytes(header) + payload
        def udp(sport, dport, payload):
            return struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
        def tunnel(src, sport, inner):
            return ip(src, box, 17, udp(sport, 100, inner))
        def malformed(i):
            kind = i % 5
            if kind == 0: return os.urandom(random.randint(1, 60))
            if kind == 1: return ip('10.9.0.1', '10.0.0.2', 17, udp(1, 7, b'x'))[:random.randint(1, 19)]
            if kind == 2: return struct.pack('!BBH', 0x45, 0, 1400) + os.urandom(24)
            if kind == 3: return b'\x75' + os.urandom(27)
            return b'\x43' + os.urandom(27)
        sent_flows = sent_bad = 0
        began = time.monotonic()
        deadline = began + seconds
        i = 0
        while (sent_flows < flows or sent_bad < bad) and time.monotonic() < deadline:
            src = '203.0.113.%d' % (100 + i % 150)
            sport = 1024 + (i // 150) % 60000
            try:
                if sent_flows < flows:
                    inner = inner_ip('10.9.%d.%d' % (i >> 8 & 255, i & 255), '10.0.0.2', 17, udp(20000 + i % 40000, 7, b'flood'))
                    s.sendto(tunnel(src, sport, inner), (box, 0))
                    sent_flows += 1
                if sent_bad < bad:
                    s.sendto(tunnel(src, sport, malformed(i)), (box, 0))
                    sent_bad += 1
            except (BlockingIOError, OSError):
                time.sleep(0.001)  # the qdisc is full: back off, the count still bounds the flood
            i += 1
        print('sent %d new-flow and %d malformed datagrams in %.1f s' % (sent_flows, sent_bad, time.monotonic() - began), flush=True)
        """;

    [Fact]
    public void FloodOfSpoofedFlowsMalformedPayloadsAndFullTable_TransferCompletes_DropsCounted()
    {
        StartBox("--max-flows", MaxFlows.ToString(), "--metrics-listen", "127.0.0.1:9477");
        StartClient(World.A);
        var file = MakeFile("transfer.bin", 20);
        var script = Path.Combine(Files.FullName, "flood.py");
        File.WriteAllText(script, FloodScript);

        // The transfer sends its first 10 MB, pauses 4 s (the flood runs then and beyond), then sends the rest on
        // the same connection. Its flow exists before the flood, as an established flow would.
        using var server = World.B.Start("socat", "-u", "TCP-LISTEN:5001,reuseaddr", "SYSTEM:sha256sum >&2");
        WaitForListener(World.B, 5001);
        var half = 10 << 20;
        var upload = Task.Run(() => World.A.Sh(
            $"(head -c {half} {file}; sleep 4; tail -c +{half + 1} {file}) | socat -u - TCP:{StandIn}:5001,connect-timeout=5",
            TimeSpan.FromSeconds(120)));
        var transferFlow = WaitForTcpFlow(5001);
        Output.WriteLine($"transfer flow before the flood: {transferFlow}");

        var flood = World.A.Exec("/usr/bin/python3", [script, NatttWorld.BoxPublic, $"{FloodNewFlows}", $"{FloodMalformed}", $"{FloodSeconds}"],
            TimeSpan.FromSeconds(FloodSeconds + 20));
        Output.WriteLine($"flood: {flood.StandardOutput} {flood.StandardError}");
        Assert.True(flood.Succeeded, $"flood sender failed: {flood.StandardError}");

        var result = upload.GetAwaiter().GetResult();
        Assert.True(result.Succeeded, $"upload failed: {result.StandardError}");
        Assert.True(server.WaitForOutput("  -", TimeSpan.FromSeconds(30)), $"server did not finish: {server.Output}");
        Assert.Equal(Sha256(file), server.Output.Split(' ')[0].Trim().ToUpperInvariant());

        var box = Status("box");
        // The table filled up with spoofed flows and refused the rest; malformed payloads were counted by reason.
        Assert.Equal(MaxFlows, box.GetProperty("flows").GetArrayLength());
        Assert.True(Counter(box, "drop_table_full") > 0, "no table_full drops");
        Assert.True(Counter(box, "drop_malformed") > 0, "no malformed drops");
        Assert.True(box.GetProperty("counters").EnumerateObject().Any(c => c.Name.StartsWith("malformed_") && c.Value.GetInt64() > 0),
            "no packet-layer malformed reason counted");
        // The transfer's flow is the same flow as before the flood (never evicted and re-created): same translated source.
        var after = FindTcpFlow(box, 5001);
        Assert.NotNull(after);
        Assert.Equal(transferFlow, after.Value.GetProperty("translated_source").GetString());
        Assert.Equal(0, Counter(box, "flows_expired"));

        // The same counters on /metrics.
        var metrics = World.Y.Exec("curl", "-sS", "--max-time", "5", "http://127.0.0.1:9477/metrics");
        Assert.True(metrics.Succeeded, metrics.StandardError);
        Output.WriteLine(metrics.StandardOutput);
        Assert.True(MetricValue(metrics.StandardOutput, "nattt_drops_total{role=\"box\",reason=\"table_full\"}") >= Counter(box, "drop_table_full"));
        Assert.True(MetricValue(metrics.StandardOutput, "nattt_drops_total{role=\"box\",reason=\"malformed\"}") >= Counter(box, "drop_malformed"));
        Assert.Equal(MaxFlows, MetricValue(metrics.StandardOutput, "nattt_flows{role=\"box\"}"));
        Assert.Contains("nattt_malformed_total{role=\"box\",reason=\"", metrics.StandardOutput);
    }

    /// <summary>Waits until the box shows the TCP flow to <paramref name="port"/>; returns its translated source.</summary>
    private string WaitForTcpFlow(int port)
    {
        for (var i = 0; i < 100; i++)
        {
            if (FindTcpFlow(Status("box"), port) is { } flow) return flow.GetProperty("translated_source").GetString()!;
            Thread.Sleep(100);
        }
        throw new LabException($"no TCP flow to port {port} appeared on the box");
    }

    private static JsonElement? FindTcpFlow(JsonElement status, int port)
    {
        foreach (var flow in status.GetProperty("flows").EnumerateArray())
            if (flow.GetProperty("protocol").GetString() == "tcp" && flow.GetProperty("destination").GetString()!.EndsWith($":{port}"))
                return flow;
        return null;
    }

    /// <summary>The value of one sample line (name with labels, exactly as exposed) of a Prometheus page.</summary>
    private static long MetricValue(string page, string sample)
    {
        foreach (var line in page.Split('\n'))
            if (line.StartsWith(sample + " ", StringComparison.Ordinal)) return long.Parse(line[(sample.Length + 1)..]);
        throw new Xunit.Sdk.XunitException($"no sample {sample} on the metrics page");
    }
}
