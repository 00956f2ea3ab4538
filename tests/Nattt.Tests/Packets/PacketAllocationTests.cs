using Nattt.Packets;
using static Nattt.Tests.Packets.SamplePackets;

namespace Nattt.Tests.Packets;

/// <summary>The packet path must not allocate: checked by counting this thread's allocated bytes around it.</summary>
public class PacketAllocationTests
{
    [Fact]
    public void ParseAndRewrite_SteadyState_AllocatesNothing()
    {
        var packets = new[] { Tcp(false), Tcp(true), Udp(false), Echo(true), IcmpError(Udp(false)), IcmpError(Tcp(true), 48) };
        var counters = new PacketDropCounters();
        var truncated = Udp(false).AsSpan(0, 30).ToArray();
        RunOnce(packets, counters, truncated); // JIT and static initialisation may allocate once
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) RunOnce(packets, counters, truncated);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1001, counters[PacketDropReason.Truncated]);
    }

    private static int RunOnce(byte[][] packets, PacketDropCounters counters, byte[] truncated)
    {
        var hash = 0;
        foreach (var bytes in packets)
        {
            if (IpPacket.TryParse(bytes, out var packet) != PacketDropReason.None) continue;
            var tuple = packet.Tuple;
            hash ^= tuple.GetHashCode() ^ tuple.Reverse().GetHashCode() ^ (tuple == tuple.Reverse() ? 1 : 0);
            var address = packet.IsIPv4 ? RouterV4 : RouterV6;
            var original = packet.Source;
            packet.SetSource(address);
            packet.SetSource(original);
            packet.SetSourcePort(packet.SourcePort);
            packet.TryClampTcpMss(1200);
            if (packet.TryGetEmbedded(out var quoted) == PacketDropReason.None)
            {
                var quotedDestination = quoted.Destination;
                quoted.SetDestination(address);
                quoted.SetDestination(quotedDestination);
                quoted.SetDestinationPort(quoted.DestinationPort);
            }
        }
        counters.Increment(IpPacket.TryParse(truncated, out _));
        return hash;
    }
}
