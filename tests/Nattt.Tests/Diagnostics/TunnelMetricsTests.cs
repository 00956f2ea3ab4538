using System.Text.RegularExpressions;
using Nattt.Diagnostics;
using Nattt.Packets;
using Nattt.Tunnel;
using Xunit;

namespace Nattt.Tests.Diagnostics;

public sealed class TunnelMetricsTests
{
    /// <summary>A sample line of the text format 0.0.4: name, labels with quoted values, one integer value.</summary>
    private static readonly Regex SampleLine = new("""^[a-z_]+\{[a-z_]+="[a-z0-9_]*"(,[a-z_]+="[a-z0-9_]*")*\} -?\d+$""");

    private static TunnelCounters SomeTraffic()
    {
        var counters = new TunnelCounters();
        counters.TunnelIn(100);
        counters.TunnelIn(50);
        counters.TunnelOut(70);
        counters.FlowCreated();
        counters.FlowsExpired(3);
        counters.Drop(TunnelDropReason.TableFull);
        counters.Drop(TunnelDropReason.TableFull);
        counters.Malformed(PacketDropReason.Truncated);
        return counters;
    }

    [Fact]
    public void Render_Counters_MatchTheStatusSnapshot()
    {
        var snapshot = SomeTraffic().Snapshot();
        var page = TunnelMetrics.Render("box", 7, snapshot, null);

        Assert.Contains("nattt_flows{role=\"box\"} 7\n", page);
        Assert.Contains("nattt_tunnel_packets_total{role=\"box\",direction=\"in\"} 2\n", page);
        Assert.Contains("nattt_tunnel_bytes_total{role=\"box\",direction=\"in\"} 150\n", page);
        Assert.Contains("nattt_tunnel_packets_total{role=\"box\",direction=\"out\"} 1\n", page);
        Assert.Contains("nattt_flows_created_total{role=\"box\"} 1\n", page);
        Assert.Contains("nattt_flows_expired_total{role=\"box\"} 3\n", page);
        Assert.Contains("nattt_drops_total{role=\"box\",reason=\"table_full\"} 2\n", page);
        Assert.Contains("nattt_drops_total{role=\"box\",reason=\"malformed\"} 1\n", page);
        Assert.Contains("nattt_malformed_total{role=\"box\",reason=\"truncated\"} 1\n", page);
        // Every drop reason of the status document is on the page, with the same value.
        foreach (var (key, value) in snapshot.Where(c => c.Key.StartsWith("drop_")))
            Assert.Contains($"nattt_drops_total{{role=\"box\",reason=\"{key[5..]}\"}} {value}\n", page);
    }

    [Fact]
    public void Render_EveryLine_IsValidTextFormat()
    {
        var page = TunnelMetrics.Render("client", 0, SomeTraffic().Snapshot(), new Nattt.Platform.Linux.UdpBatchCounters());
        Assert.EndsWith("\n", page);
        var families = new HashSet<string>();
        foreach (var line in page.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ")) continue;
            if (line.StartsWith("# TYPE "))
            {
                var parts = line.Split(' ');
                Assert.Contains(parts[3], new[] { "counter", "gauge" });
                Assert.True(families.Add(parts[2]), $"family {parts[2]} declared twice");
                if (parts[3] == "counter") Assert.EndsWith("_total", parts[2]);
                continue;
            }
            Assert.Matches(SampleLine, line);
            Assert.Contains(line[..line.IndexOf('{')], families); // TYPE comes before the samples
        }
    }
}
